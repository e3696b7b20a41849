// Object versions in a bucket's index shard (rados/backend.h has the entries): the
// commit of a new version, reads, metadata rewrites and deletes. Each mutation is one
// ObjectWriteOperation on the shard, asserting the shard is live and the key's O
// entry is byte for byte what was read (omap_cmp; "" when absent); when another
// gateway got there first it fails with -ECANCELED and is decided again from a fresh
// read. So write conditions (If-None-Match, If-Match) hold across any number of
// gateways. Phase 1: unversioned buckets only (every version is "null").
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/object_model.h"
#include "index/object_record.h"
#include "rados/backend.h"

namespace silt::rados {

// The latest version of bucket/key, with the shard it came from. NoSuchBucket;
// nullopt record when the key has none.
struct Current {
  std::string shard;
  std::optional<ObjectRecord> rec;
  std::string raw;   // the O entry as read ("" when absent)
  bool live = true;  // the shard's state; false while a DeleteBucket decides
};
s3::Result<Current> read_current(Backend& b, std::string_view bucket, std::string_view key);

// What a caller adds to a commit op (CompleteMultipartUpload: its upload's assertion
// and removal). Called before every attempt with the attempt number (a retry follows
// a lost race: the caller may re-read and refuse); fills op, or entries to set/remove.
using CommitExtra = std::function<s3::Status(int attempt, librados::ObjectWriteOperation& op,
                                             std::map<std::string, bufferlist>& set, std::set<std::string>& rm)>;

// Makes rec (its data already stored, or inline_data) the key's latest version when
// cond holds at that moment. Assigns version id and vkey; queues the data of the
// version it replaces for GC and drops rec's write intent, all in the same op.
s3::Result<ObjectRecord> commit_object(Backend& b, ObjectRecord rec, const WriteConditions& cond,
                                       const std::string* inline_data, const CommitExtra& extra = {});

// The latest version when version_id is empty, "null", or its id: NoSuchKey /
// NoSuchVersion otherwise. Delete markers never exist in phase 1.
s3::Result<ObjectRecord> read_version(Backend& b, std::string_view bucket, std::string_view key,
                                      std::string_view version_id);

// Rewrites the record of that version with change applied, data untouched.
s3::Result<ObjectInfo> modify_object(Backend& b, std::string_view bucket, std::string_view key,
                                     std::string_view version_id, const std::function<void(ObjectRecord&)>& change);

// cond: a client's conditions (ObjectLayer::delete_object_if), judged against the current
// record inside the same guarded op as the delete; null for none.
s3::Result<DeleteOutcome> delete_object(Backend& b, std::string_view bucket, std::string_view key,
                                        std::string_view version_id, const IfCurrent* if_current,
                                        const DeleteConditions* cond = nullptr);

}  // namespace silt::rados
