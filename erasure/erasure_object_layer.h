// ObjectLayer over one erasure set of drives plus the LevelDB index.
// open_erasure_object_layer (erasure/erasure_config.h) builds one of these; the
// composition root, which also builds the healer (erasure/healer.h) on it, calls open().
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "erasure/erasure_config.h"
#include "erasure/erasure_set.h"
#include "object/part_reader.h"

namespace silt {

class ErasureObjectLayer final : public ObjectLayer, public PartReader {
 public:
  explicit ErasureObjectLayer(std::unique_ptr<ErasureSet> set) : set_(std::move(set)) {}
  // What open_erasure_object_layer does, keeping the concrete type.
  static s3::Result<std::unique_ptr<ErasureObjectLayer>> open(const ErasureConfig& cfg);

  s3::Status make_bucket(std::string_view bucket, std::string_view owner = {}) override;
  s3::Status make_bucket_with(std::string_view bucket, std::string_view owner, const NewBucket& init) override;
  s3::Result<BucketInfo> head_bucket(std::string_view bucket) override;
  s3::Status delete_bucket(std::string_view bucket) override;
  s3::Result<std::vector<BucketInfo>> list_buckets() override;

  s3::Result<std::unique_ptr<ObjectWriter>> create_object(std::string_view bucket, std::string_view key,
                                                          const WriteConditions& cond,
                                                          std::string_view storage_class) override;
  s3::Result<ObjectInfo> stat_object(std::string_view bucket, std::string_view key,
                                     std::string_view version_id) override;
  s3::Result<std::unique_ptr<ObjectReader>> open_object(const ObjectInfo& info, uint64_t offset,
                                                        uint64_t length) override;
  // One index lookup under data_mu (shared) for both.
  s3::Result<ObjectInfo> stat_and_open(std::string_view bucket, std::string_view key, std::string_view version_id,
                                       const std::function<bool(const ObjectInfo&)>& want,
                                       std::optional<s3::Result<std::unique_ptr<ObjectReader>>>& opened) override;
  s3::Result<ObjectInfo> update_metadata(std::string_view bucket, std::string_view key,
                                         const ObjectMeta& meta) override;
  s3::Result<ObjectInfo> set_tags(std::string_view bucket, std::string_view key, std::string_view version_id,
                                  const std::vector<std::pair<std::string, std::string>>& tags) override;
  s3::Result<ObjectInfo> set_acl(std::string_view bucket, std::string_view key, std::string_view version_id,
                                 std::string_view acl) override;
  bool supports_object_lock() const override { return true; }
  s3::Result<ObjectInfo> set_object_lock(std::string_view bucket, std::string_view key, std::string_view version_id,
                                         const LockChange& change) override;
  s3::Result<DeleteOutcome> delete_object(std::string_view bucket, std::string_view key, std::string_view version_id,
                                          const IfCurrent* if_current) override;
  s3::Result<DeleteOutcome> delete_object_if(std::string_view bucket, std::string_view key, std::string_view version_id,
                                             const DeleteConditions& cond) override;
  s3::Result<ListResult> list_objects(std::string_view bucket, const ListParams& p) override;
  s3::Result<VersionListResult> list_object_versions(std::string_view bucket, const VersionListParams& p) override;

  bool has_storage_class(std::string_view name) const override;
  std::vector<PoolInfo> pools() const override;
  s3::Result<uint64_t> transition_object(std::string_view bucket, std::string_view key, std::string_view version_id,
                                         std::string_view storage_class,
                                         const std::function<void(uint64_t)>& before_chunk) override;
  s3::Status set_versioning(std::string_view bucket, Versioning state) override;
  s3::Status set_bucket_owner(std::string_view bucket, std::string_view owner) override;
  s3::Status put_bucket_config(std::string_view bucket, std::string_view name, std::string_view value) override;
  s3::Result<std::optional<std::string>> get_bucket_config(std::string_view bucket, std::string_view name) override;
  s3::Status delete_bucket_config(std::string_view bucket, std::string_view name) override;

  s3::Result<UploadInfo> create_upload(std::string_view bucket, std::string_view key, const ObjectMeta& meta) override;
  s3::Result<UploadInfo> get_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) override;
  s3::Result<std::unique_ptr<ObjectWriter>> create_part(std::string_view bucket, std::string_view key,
                                                        std::string_view upload_id, int part_number) override;
  s3::Result<PartList> list_parts(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                  int after_part, int max_parts) override;
  s3::Result<ObjectInfo> complete_upload(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                         const std::vector<CompletedPart>& parts, const WriteConditions& cond = {},
                                         const CompleteClaims& claims = {}) override;
  s3::Status abort_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) override;
  s3::Result<UploadList> list_uploads(std::string_view bucket, const UploadListParams& p) override;
  s3::Result<std::unique_ptr<ObjectReader>> open_part(std::string_view bucket, std::string_view key,
                                                      std::string_view upload_id, int part_number, uint64_t offset,
                                                      uint64_t length, PartInfo* part = nullptr) override;

  // The set (drives, index) behind this layer: for the healer and tests.
  ErasureSet& set() { return *set_; }

 private:
  // Rewrites the object record in meta.json on every drive (best effort): in
  // the data dir of a single PUT, in the first part's data dir of a multipart object.
  void rewrite_drive_meta(const ObjectRecord& rec);
  // Reads a version, applies change and commits it while its data is the same.
  s3::Result<ObjectInfo> modify_record(std::string_view bucket, std::string_view key, std::string_view version_id,
                                       const std::function<void(ObjectRecord&)>& change);
  // The pool for a new object or upload of this class; InvalidStorageClass.
  s3::Result<Pool*> class_pool(std::string_view storage_class);

  std::unique_ptr<ErasureSet> set_;
};

// Startup recovery: empties every drive's tmp/ and removes data directories no
// index record (version or uploaded part) references (left by a crash between
// rename and index commit).
s3::Status recover_drives(ErasureSet& set);

}  // namespace silt
