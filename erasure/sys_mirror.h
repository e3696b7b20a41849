// The drive mirror (index/drive_mirror.h) on silt's drives: bucket records,
// config documents and uploads in progress under <drive>/sys/ on every drive,
// and delete markers as data dirs of their own. docs/format.md ("Drive
// mirror") gives the formats; erasure/rebuild.h reads them back.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "erasure/erasure_set.h"
#include "index/drive_mirror.h"

namespace silt {

// <root>/sys/buckets/<bucket>/bucket.json and .../config/<escaped name>; <root>/sys/uploads/<id>.json
std::string mirror_buckets_dir(const std::string& drive_root);
std::string mirror_uploads_dir(const std::string& drive_root);
inline constexpr const char* kBucketMirrorFile = "bucket.json";
// Config names become file names: bytes other than [A-Za-z0-9._-] as %XX (and a leading '.').
std::string config_file_name(std::string_view name);
std::string config_name_from_file(std::string_view file);

// bucket.json: {"written_us":<int>,"record":<the index's B value>}.
std::string encode_bucket_mirror(uint64_t written_us, std::string_view record_json);
// A config file: "silt-config 1 <written_us>\n" then the document's bytes as given.
std::string encode_config_mirror(uint64_t written_us, std::string_view value);
struct MirroredDoc {
  uint64_t written_us = 0;
  std::string body;  // the bucket record JSON, or the config document
};
s3::Result<MirroredDoc> decode_bucket_mirror(std::string_view text);
s3::Result<MirroredDoc> decode_config_mirror(std::string_view text);

// Internal documents (names starting "silt.", e.g. the lifecycle cursor) are
// not mirrored: they change often and losing one only restarts some work.
bool mirrored_config(std::string_view name);

// A drive being refilled (healing) gets the mirror files it lacks, copied from an
// online drive. Only adds: what the index no longer has is removed at the next start.
s3::Status restore_mirror(const ErasureSet& set, const Drive& target);

class SysMirror final : public DriveMirror {
 public:
  explicit SysMirror(ErasureSet& set) : set_(set) {}

  s3::Status before_put_bucket(std::string_view bucket, std::string_view record_json) override;
  s3::Status before_delete_bucket(std::string_view bucket) override;
  s3::Status before_put_config(std::string_view bucket, std::string_view name, std::string_view value) override;
  s3::Status before_delete_config(std::string_view bucket, std::string_view name) override;
  s3::Status before_create_upload(const UploadInfo& upload) override;
  s3::Status before_abort_upload(std::string_view upload_id) override;
  s3::Status before_complete_upload(const ObjectRecord& object) override;
  void complete_upload_failed(const ObjectRecord& object, const UploadedPart& first_part) override;
  void after_complete_upload(std::string_view upload_id) override;
  std::string new_data_id() override;
  s3::Status before_delete_marker(const ObjectRecord& marker) override;

  // Startup: makes every drive hold exactly what the index says for the buckets
  // it knows (rewriting missing or different copies, removing configs and
  // uploads it no longer has), and puts back the part record of a first part
  // whose completion was cut short by a crash. Mirrors of buckets the index does not know are
  // kept: the index may have been lost, and they are what a rebuild needs.
  // Best effort: a drive that fails is tried again at the next start.
  void sync(const MirrorState& state);

 private:
  // Greater than every value returned before, even if the clock steps back.
  uint64_t next_written_us();
  // Writes file dir/name atomically on every distinct drive; fails below a majority.
  s3::Status write_everywhere(const std::string& rel_dir, const std::string& name, const std::string& content,
                              const char* what);
  void remove_everywhere(const std::string& rel_path);

  ErasureSet& set_;
  std::atomic<uint64_t> last_us_{0};
};

}  // namespace silt
