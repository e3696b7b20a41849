// Writes a new index from records gathered elsewhere (`silt admin rebuild-index`,
// erasure/rebuild.h): the same keys and values the live index writes
// (index/keys.h), with large unsynced batches and one synced write at the end.
#pragma once

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "index/object_record.h"
#include "index/upload_record.h"

namespace silt {

class IndexBuilder {
 public:
  // dir must not hold an index yet.
  static s3::Result<std::unique_ptr<IndexBuilder>> create(const std::string& dir);
  // Adds to the existing index in dir (no server may have it open): bulk loads
  // (bench/silt-load-index.cpp). The caller keeps the records consistent.
  static s3::Result<std::unique_ptr<IndexBuilder>> append(const std::string& dir);

  // Object values without the listing header, as versions before it wrote them
  // (docs/format.md): for tests and A/B benchmarks against those versions.
  void write_plain_json(bool on) { plain_json_ = on; }

  s3::Status put_bucket(std::string_view name, std::string_view record_json);
  s3::Status put_config(std::string_view bucket, std::string_view name, std::string_view value);
  // All versions of one key, newest first (by vkey): V entries, and O for the first.
  s3::Status put_key_versions(const std::vector<ObjectRecord>& newest_first);
  s3::Status put_upload(const UploadInfo& u);
  s3::Status put_part(const UploadedPart& p);
  // Writes what is pending with sync = true and closes the database.
  s3::Status finish();

 private:
  explicit IndexBuilder(std::unique_ptr<leveldb::DB> db) : db_(std::move(db)) {}
  s3::Status put(const std::string& key, std::string_view value);
  s3::Status flush(bool sync);

  std::unique_ptr<leveldb::DB> db_;
  leveldb::WriteBatch batch_;
  size_t pending_ = 0;
  bool plain_json_ = false;
};

}  // namespace silt
