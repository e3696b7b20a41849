// Object versions in a bucket's index shard (rados/backend.h has the entries): the
// commit of a new version, delete markers, reads, metadata rewrites and deletes, in
// unversioned, Enabled and Suspended buckets with S3's semantics (the erasure backend's
// index/index_objects.cpp is the model: O mirrors the key's newest V entry, the "null"
// version is recognised by its vkey, versions order by keys::version_key_after).
// Each mutation is one ObjectWriteOperation on the shard, asserting the shard is live,
// its versioning state (rados/versioning.h) and the key's O entry byte for byte what
// was read (omap_cmp; "" when absent), and the V entry it rewrites or removes when that
// is not the latest; when another gateway got there first it fails with -ECANCELED and
// is decided again from a fresh read. So write conditions (If-None-Match, If-Match) and
// versions hold across any number of gateways: no version is lost, exactly one is latest.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "index/object_record.h"
#include "rados/backend.h"

namespace silt::rados {

// The latest version of bucket/key, with the shard it came from. NoSuchBucket;
// nullopt record when the key has none.
struct Current {
  std::string shard;    // the key's shard object (rados/shard_map.h)
  std::string gen;      // its generation as read: every op on it asserts it
  bool packed = false;  // the bucket keeps listing deltas (rados/list_pack.h)
  std::optional<ObjectRecord> rec;
  std::string raw;    // the O entry as read ("" when absent)
  bool live = true;   // the shard's state; false while a DeleteBucket decides or it splits
  std::string split;  // its split record while it splits (rados/split.h), else ""
  Versioning versioning = Versioning::Unversioned;
  std::string versioning_raw;  // the shard's versioning xattr as read ("" when absent)
  ListEpochs list;             // its listing epochs: a packed bucket's deltas go to list.current
  // The key's first V entries (vkey -> value), newest first, read in the same op.
  std::vector<std::pair<std::string, std::string>> versions;
  bool more_versions = false;  // the key has more V entries than those (all of them when not read)
};
// with_versions false: the V entries are not read (a GET needs the O entry, or one V
// entry by name; only a lookup of a non-latest null version pages them, from the first).
s3::Result<Current> read_current(Backend& b, std::string_view bucket, std::string_view key, bool with_versions = true);

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

// Calls visit(vkey, value) on the key's V entries newest first, from cur's peek on and
// then page by page (1000 a read), until it returns true. Returns whether it did.
s3::Result<bool> scan_versions(Backend& b, const Current& cur, std::string_view key,
                               const std::function<bool(const std::string&, const std::string&)>& visit);

// A version of a key as stored: its record and its V entry's bytes.
struct StoredVersion {
  ObjectRecord rec;
  std::string raw;
};
// The version named by version_id ("" the latest, "null", or a version id) as cur
// shows the key, is_latest set; nullopt when there is none.
s3::Result<std::optional<StoredVersion>> find_version(Backend& b, const Current& cur, std::string_view key,
                                                      std::string_view version_id);

// The version named (empty: the latest): NoSuchKey / NoSuchVersion when there is none;
// a delete marker is NoSuchKey (latest) or MethodNotAllowed (named), with DeleteMarker
// and VersionId, as S3 answers GET and HEAD. shard (when given): the shard object read.
s3::Result<ObjectRecord> read_version(Backend& b, std::string_view bucket, std::string_view key,
                                      std::string_view version_id, std::string* shard = nullptr);

// Rewrites the record of that version (empty: the latest) with change applied, data
// untouched; delete markers refused as read_version does. change may refuse (its error
// is returned, nothing written); on a lost race it runs again on a fresh read. extra
// adds to the same op (a transition: its intents dropped, the old data queued for GC).
s3::Result<ObjectInfo> modify_object(Backend& b, std::string_view bucket, std::string_view key,
                                     std::string_view version_id,
                                     const std::function<s3::Status(ObjectRecord&)>& change,
                                     const CommitExtra& extra = {});

// Without version_id: unversioned buckets remove the key in place, versioned ones add a
// delete marker (a "null" one replacing the null version when Suspended). With one:
// that version goes for good (a missing one is no error); the next newest becomes latest.
// A version Object Lock keeps (index/write_conditions.h, check_version_removable) is
// AccessDenied, whether named or replaced as the null version.
// cond: a client's conditions (ObjectLayer::delete_object_if), judged against the current
// record inside the same guarded op as the delete; null for none.
s3::Result<DeleteOutcome> delete_object(Backend& b, std::string_view bucket, std::string_view key,
                                        std::string_view version_id, const IfCurrent* if_current,
                                        const DeleteConditions* cond = nullptr);

}  // namespace silt::rados
