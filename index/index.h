// The metadata index: buckets, every object version, multipart uploads and
// bucket config documents, in one LevelDB (key schema: index/keys.h). Every
// acknowledged change is one synced write batch. Read-modify-write operations
// are locked so "bucket not empty", "which version did this commit replace" and
// write conditions are exact: bucket create/delete/versioning exclude
// everything; changes to one (bucket, key) - its versions and its uploads - are
// serialized by a key lock; different keys run concurrently (LevelDB then
// groups their syncs). Data ids returned as "freed" are no longer referenced
// by any record once the call returns: the caller removes their directories.
#pragma once

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/error.h"
#include "common/list_entry.h"
#include "common/object_model.h"
#include "index/drive_mirror.h"
#include "index/object_record.h"
#include "index/upload_record.h"

namespace silt {

// Filled by list_objects for tests: shows that delimiter listings seek past
// common prefixes instead of walking every key under them.
struct ListStats {
  uint64_t seeks = 0;
  uint64_t nexts = 0;
};

// A version the healer should look at (erasure/healer.h).
struct HealItem {
  std::string bucket;
  std::string key;
  std::string version_id;  // "null" for the null version
  std::string reason;
  int64_t queued_ms = 0;
};

class Index {
 public:
  static s3::Result<std::unique_ptr<Index>> open(const std::string& dir);
  // Keeps the drives able to rebuild this index (index/drive_mirror.h); unset: no copies.
  void set_mirror(DriveMirror* mirror) { mirror_ = mirror; }

  // Buckets. BucketAlreadyOwnedByYou when it exists. The bucket, its versioning state and
  // the config documents of init are one batch; the drives' copies of the documents are
  // written before the bucket's own, which rebuild-index needs to restore them.
  s3::Status create_bucket(std::string_view name, int64_t created_ms, std::string_view owner = {},
                           const NewBucket& init = {});
  s3::Result<BucketInfo> get_bucket(std::string_view name);
  // NoSuchBucket; BucketNotEmpty while any version (delete markers included) exists.
  // Removes config docs and every upload in progress with its part records, in the
  // bucket's own batch; returns the parts' data ids, for the caller to free.
  s3::Result<std::vector<std::string>> delete_bucket(std::string_view name);
  s3::Result<std::vector<BucketInfo>> list_buckets();
  // Enabled or Suspended; InvalidArgument for Unversioned.
  s3::Status set_versioning(std::string_view name, Versioning state);
  // Gives the bucket to owner ("": the admin). NoSuchBucket.
  s3::Status set_owner(std::string_view name, std::string_view owner);

  s3::Status put_config(std::string_view bucket, std::string_view name, std::string_view value);
  s3::Result<std::optional<std::string>> get_config(std::string_view bucket, std::string_view name);
  s3::Status delete_config(std::string_view bucket, std::string_view name);

  // The latest version (possibly a delete marker). NoSuchBucket / NoSuchKey.
  s3::Result<ObjectRecord> get_object(std::string_view bucket, std::string_view key);
  // One version by id ("null" included), is_latest set. NoSuchBucket / NoSuchVersion.
  s3::Result<ObjectRecord> get_version(std::string_view bucket, std::string_view key, std::string_view version_id);

  struct Committed {
    ObjectRecord rec;                    // as committed: version id and vkey assigned
    std::vector<ObjectRecord> replaced;  // versions gone for good: free their data
  };
  // Makes rec (data already on the drives) the newest version of its key, with a
  // version id following the bucket's versioning state; the null version it
  // replaces (if any) is returned. Checks cond under the key lock:
  // PreconditionFailed. NoSuchBucket when the bucket is gone by now.
  // A rec.version_key already set (provisional_version_key) is kept when it is
  // still newer than the key's newest version and of the bucket's kind (null or
  // not); otherwise another is assigned and the caller rewrites what it published.
  s3::Result<Committed> commit_object(ObjectRecord rec, const WriteConditions& cond = {});
  // The vkey a commit of bucket/key would assign now, so a writer can name it in
  // the meta.json it publishes before the commit. NoSuchBucket.
  s3::Result<std::string> provisional_version_key(std::string_view bucket, std::string_view key);
  // commit_object without conditions, returning the replaced version (tests, tools).
  s3::Result<std::optional<ObjectRecord>> put_object(const ObjectRecord& rec);
  // Rewrites the stored record of rec's version (rec.version_key; empty = the
  // latest) while it still has data id expected_data_id: NoSuchKey otherwise. The
  // stored Object Lock is kept whatever rec says (only set_lock changes it); written,
  // when given, receives the record as stored.
  s3::Status replace_object_if(const ObjectRecord& rec, const std::string& expected_data_id,
                               ObjectRecord* written = nullptr);
  // Object Lock of one version (version_id empty: the latest), judged by
  // apply_lock_change against the stored lock under the key lock, so two racing
  // changes, or a change racing a delete, cannot both act on what the other replaced.
  // NoSuchKey / NoSuchVersion; MethodNotAllowed for a delete marker. Returns the
  // record as stored. before_write gets the changed record under the key lock before
  // the index write (the caller rewrites the drives' copies from it).
  s3::Result<ObjectRecord> set_lock(std::string_view bucket, std::string_view key, std::string_view version_id,
                                    const LockChange& change,
                                    const std::function<void(const ObjectRecord&)>& before_write = {});
  // A storage class transition's commit: gives version `vkey` of bucket/key the
  // layout, parts and storage class of `moved` while its primary data id is still
  // expected_data_id (NoSuchKey otherwise), keeping the rest of the current record
  // (metadata and tags may have changed since the copy began).
  s3::Status replace_layout_if(const ObjectRecord& moved, const std::string& expected_data_id);
  // Heal and compaction of small objects: gives each (shard, place) of moves to
  // version seen.version_key of seen's key while it still has seen's data id and
  // each of those shards is still where seen.layout.segments says, all or none.
  // NoSuchKey otherwise: an overwrite, delete or other move won meanwhile.
  s3::Status move_segments_if(const ObjectRecord& seen, const std::vector<std::pair<size_t, SegmentRef>>& moves);

  struct Deleted {
    DeleteOutcome outcome;
    std::vector<ObjectRecord> removed;  // free their data
  };
  // cond: a client's conditions on the current version, checked under the key lock in
  // the delete's own batch (index/write_conditions.h). A version removed for good must
  // pass check_version_removable in that batch too (cond->bypass_governance; none
  // without cond): AccessDenied otherwise.
  s3::Result<Deleted> delete_object(std::string_view bucket, std::string_view key, std::string_view version_id = {},
                                    const IfCurrent* if_current = nullptr, const DeleteConditions* cond = nullptr);

  s3::Result<ListResult> list_objects(std::string_view bucket, const ListParams& p, ListStats* stats = nullptr);
  s3::Result<VersionListResult> list_versions(std::string_view bucket, const VersionListParams& p,
                                              ListStats* stats = nullptr);

  // Multipart uploads.
  s3::Result<UploadInfo> create_upload(std::string_view bucket, std::string_view key, const ObjectMeta& meta,
                                       int64_t now_ms);
  s3::Result<UploadInfo> get_upload(std::string_view bucket, std::string_view key, std::string_view upload_id);
  // Records a part whose data is on the drives; returns the part it replaced. NoSuchUpload.
  s3::Result<std::optional<UploadedPart>> put_part(const UploadedPart& p);
  s3::Result<PartList> list_parts(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                  int after_part, int max_parts);
  // One part's record with its data's layout, read from one snapshot with its upload.
  // NoSuchUpload; InvalidPart when no part of that number was uploaded.
  s3::Result<UploadedPart> get_part(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                    int number);
  struct Completed {
    ObjectRecord rec;
    std::vector<std::string> freed;  // data ids of unnamed parts and replaced versions
  };
  s3::Result<Completed> complete_upload(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                        const std::vector<CompletedPart>& parts, const WriteConditions& cond,
                                        const CompleteClaims& claims = {});
  // Returns the data ids of every part. NoSuchUpload.
  s3::Result<std::vector<std::string>> abort_upload(std::string_view bucket, std::string_view key,
                                                    std::string_view upload_id);
  s3::Result<UploadList> list_uploads(std::string_view bucket, const UploadListParams& p, ListStats* stats = nullptr);

  // The repair queue. Unsynced writes: an entry lost in a crash is found again
  // by the scrubber. Queuing a queued version again keeps one entry.
  s3::Status queue_heal(const HealItem& item);
  // The first max entries in (bucket, key, version) order.
  s3::Result<std::vector<HealItem>> heal_items(size_t max);
  s3::Status drop_heal(const HealItem& item);
  s3::Result<uint64_t> heal_backlog();

  // Buckets (raw records), config docs and uploads in progress, from one snapshot:
  // what the drive mirror must hold (index/index_mirror.cpp).
  s3::Result<MirrorState> mirror_state();

  // fn(record) for every version that has a V key (every one written since
  // version keys exist, small objects' included), from one snapshot: the
  // segment reclaimer's count of what is live (erasure/segment_reclaim.h).
  s3::Status for_each_version_record(const std::function<void(const ObjectRecord&)>& fn);

  // Every data id some version or uploaded part references (startup sweep of orphans).
  s3::Result<std::unordered_set<std::string>> referenced_data_ids();

 private:
  explicit Index(std::unique_ptr<leveldb::DB> db) : db_(std::move(db)) {}
  std::optional<BucketInfo> read_bucket(std::string_view name, const leveldb::ReadOptions& ro = {});
  // Whether the bucket's record is there (read_bucket without decoding it).
  bool bucket_exists(std::string_view name);
  bool scope_empty(const std::string& prefix, std::string* err);
  s3::Result<std::optional<ObjectRecord>> read_record(const std::string& key);
  s3::Status write(leveldb::WriteBatch& batch);
  // The (vkey, record) of key's null version, if it has one. cur: the latest.
  s3::Result<std::optional<ObjectRecord>> find_null_version(std::string_view bucket, std::string_view key,
                                                            const std::optional<ObjectRecord>& cur);
  // The version a client's version id names: "null" (find_null_version) or a version id;
  // nullopt for none or an id that cannot be one. cur: the latest.
  s3::Result<std::optional<ObjectRecord>> named_version(std::string_view bucket, std::string_view key,
                                                        std::string_view version_id,
                                                        const std::optional<ObjectRecord>& cur);
  // The newest version of key other than the one with vkey `except`.
  s3::Result<std::optional<ObjectRecord>> newest_version_except(std::string_view bucket, std::string_view key,
                                                                std::string_view except);
  // The body of commit_object; caller holds the bucket (shared) and key locks and writes b.
  s3::Status commit_locked(ObjectRecord& rec, const BucketInfo& bucket, const WriteConditions& cond,
                           leveldb::WriteBatch& b, std::vector<ObjectRecord>& replaced);
  s3::Result<std::vector<UploadedPart>> read_parts(std::string_view upload_id);
  // The body of the replace_*_if and move_segments_if: under the key lock, the version
  // rec.version_key names (empty: the latest) becomes change(its current record), kept
  // under its own vkey and version id, while its primary data id is expected_data_id.
  // The stored Object Lock is kept whatever change returns (only set_lock changes it);
  // written, when given, receives the record as stored.
  s3::Status replace_if(const ObjectRecord& rec, const std::string& expected_data_id,
                        const std::function<s3::Result<ObjectRecord>(const ObjectRecord&)>& change,
                        ObjectRecord* written = nullptr);

  // Object changes of one key are serialized by one of these stripes.
  std::mutex& key_lock(std::string_view bucket, std::string_view key);

  std::unique_ptr<leveldb::DB> db_;
  DriveMirror* mirror_ = nullptr;
  std::shared_mutex bucket_mu_;  // exclusive: bucket create/delete/versioning; shared: object changes
  std::array<std::mutex, 64> key_mu_;
};

// Every data directory a record uses.
std::vector<std::string> data_ids_of(const ObjectRecord& rec);

}  // namespace silt
