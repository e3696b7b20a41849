// The metadata index: buckets and the current record of every object, in one
// LevelDB. Every acknowledged change is a synced write. Read-modify-write
// operations are locked so "bucket not empty" and "which version did this
// commit replace" are exact: bucket create/delete exclude everything; object
// commits of different keys run concurrently (LevelDB then groups their syncs).
#pragma once

#include <leveldb/db.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/error.h"
#include "erasure/object_layer.h"
#include "index/object_record.h"

namespace silt {

// Filled by list_objects for tests: shows that delimiter listings seek past
// common prefixes instead of walking every key under them.
struct ListStats {
  uint64_t seeks = 0;
  uint64_t nexts = 0;
};

class Index {
 public:
  static s3::Result<std::unique_ptr<Index>> open(const std::string& dir);

  // BucketAlreadyOwnedByYou when it exists.
  s3::Status create_bucket(std::string_view name, int64_t created_ms);
  s3::Result<BucketInfo> get_bucket(std::string_view name);
  // NoSuchBucket; BucketNotEmpty while any object key exists.
  s3::Status delete_bucket(std::string_view name);
  s3::Result<std::vector<BucketInfo>> list_buckets();

  // NoSuchBucket / NoSuchKey.
  s3::Result<ObjectRecord> get_object(std::string_view bucket, std::string_view key);
  // Makes rec the current version; returns the record it replaced. NoSuchBucket
  // when the bucket is gone by now.
  s3::Result<std::optional<ObjectRecord>> put_object(const ObjectRecord& rec);
  // Like put_object, but only while the current record still has data id
  // expected_data_id (metadata update racing an overwrite): NoSuchKey otherwise.
  s3::Status replace_object_if(const ObjectRecord& rec, const std::string& expected_data_id);
  // Returns the removed record (none when the key did not exist). NoSuchBucket.
  s3::Result<std::optional<ObjectRecord>> delete_object(std::string_view bucket, std::string_view key);

  s3::Result<ListResult> list_objects(std::string_view bucket, const ListParams& p, ListStats* stats = nullptr);

  // Every data id some record references (startup sweep of orphaned shard dirs).
  s3::Result<std::unordered_set<std::string>> referenced_data_ids();

 private:
  explicit Index(std::unique_ptr<leveldb::DB> db) : db_(std::move(db)) {}
  bool bucket_exists(std::string_view name);
  s3::Result<std::optional<ObjectRecord>> read_record(const std::string& key);
  s3::Status write(leveldb::WriteBatch& batch);

  // Object changes of one key are serialized by one of these stripes.
  std::mutex& key_lock(std::string_view bucket, std::string_view key);

  std::unique_ptr<leveldb::DB> db_;
  std::shared_mutex bucket_mu_;  // exclusive: bucket create/delete; shared: object changes
  std::array<std::mutex, 64> key_mu_;
};

}  // namespace silt
