// Buckets on RADOS: their records and config documents in the root object's omap,
// each bucket's index in a shard object of its own (rados/backend.h has the layout).
// Every change is one omap_cmp-guarded op on the root, retried on -ECANCELED; bucket
// delete follows the design memo's protocol (§4.4): close the shard (PUTs fail their
// state assertion), check it empty, remove the record, remove the shard.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "rados/backend.h"

namespace silt::rados {

struct BucketRecord {
  std::string id;  // 32 hex, new for every creation: a re-created bucket never meets old entries
  BucketInfo info;
  uint64_t versioning_epoch = 0;  // of info.versioning: rados/versioning.h
  // Its shards keep listing deltas and blocks (rados/list_pack.h), and listings read
  // them: true for buckets created since gateways write them. Never changes.
  bool packed_list = false;
};

struct StoredBucket {
  BucketRecord record;
  std::string raw;  // the omap value as read: what a guarded update compares against
};

// A root B entry's value as a record (InternalError when it is not one).
s3::Result<BucketRecord> parse_bucket_record(std::string_view name, const std::string& value);
// NoSuchBucket when there is none.
s3::Result<StoredBucket> read_bucket(Backend& b, std::string_view name);
// BucketAlreadyOwnedByYou (same owner) / BucketAlreadyExists.
s3::Status create_bucket(Backend& b, std::string_view name, std::string_view owner, int64_t now_ms);
// BucketNotEmpty while the shard holds an object, a version or a write in flight;
// multipart uploads in progress are aborted with the bucket (their parts' data freed).
s3::Status delete_bucket(Backend& b, std::string_view name);
s3::Result<std::vector<BucketInfo>> list_buckets(Backend& b);
s3::Status set_bucket_owner(Backend& b, std::string_view name, std::string_view owner);

// Makes the record show versioning `state` of `epoch` unless it shows that epoch or a
// later one already (rados/versioning.h: the shard holds the authority).
s3::Status publish_versioning(Backend& b, std::string_view name, uint64_t epoch, Versioning state);

s3::Status put_bucket_config(Backend& b, std::string_view bucket, std::string_view name, std::string_view value);
s3::Result<std::optional<std::string>> get_bucket_config(Backend& b, std::string_view bucket, std::string_view name);
s3::Status delete_bucket_config(Backend& b, std::string_view bucket, std::string_view name);

}  // namespace silt::rados
