// ObjectLayer over one erasure set of drives plus the LevelDB index.
// open_erasure_object_layer (object_layer.h) builds one of these.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "erasure/erasure_set.h"
#include "erasure/object_layer.h"

namespace silt {

class ErasureObjectLayer final : public ObjectLayer {
 public:
  explicit ErasureObjectLayer(std::unique_ptr<ErasureSet> set) : set_(std::move(set)) {}

  s3::Status make_bucket(std::string_view bucket) override;
  s3::Result<BucketInfo> head_bucket(std::string_view bucket) override;
  s3::Status delete_bucket(std::string_view bucket) override;
  s3::Result<std::vector<BucketInfo>> list_buckets() override;

  s3::Result<std::unique_ptr<ObjectWriter>> create_object(std::string_view bucket, std::string_view key) override;
  s3::Result<ObjectInfo> stat_object(std::string_view bucket, std::string_view key) override;
  s3::Result<std::unique_ptr<ObjectReader>> open_object(const ObjectInfo& info, uint64_t offset,
                                                        uint64_t length) override;
  s3::Result<ObjectInfo> update_metadata(std::string_view bucket, std::string_view key,
                                         const ObjectMeta& meta) override;
  s3::Status delete_object(std::string_view bucket, std::string_view key) override;
  s3::Result<ListResult> list_objects(std::string_view bucket, const ListParams& p) override;

  // For tests: the set (drives, index) behind this layer.
  ErasureSet& set() { return *set_; }

 private:
  std::unique_ptr<ErasureSet> set_;
};

// Startup recovery: empties every drive's tmp/ and removes data directories no
// index record references (left by a crash between rename and index commit).
s3::Status recover_drives(ErasureSet& set);

}  // namespace silt
