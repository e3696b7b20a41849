// The one interface server/ and lifecycle/ use to act on buckets and objects, and
// that every storage backend implements: the erasure-coded drives (erasure/) today,
// RADOS later. It knows nothing of HTTP. All calls block (disk or network I/O):
// server/ runs them on its blocking thread pool, never on an io_context thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/list_entry.h"
#include "common/object_model.h"

namespace silt {

class BucketLeases;  // object/bucket_lease.h

// Streams one new object's bytes to the drives. Nothing is visible until commit();
// destroying an uncommitted writer removes everything it wrote.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual s3::Status write(const char* data, size_t n) = 0;
  // write() in two halves, so a caller can overlap them on two threads (MD5 is the one
  // serial cost of a large PUT): write_data() stores the bytes, hash_md5() adds them to
  // the MD5. Each must get the bytes in order; the two may run at the same time on one
  // buffer, but neither concurrently with itself nor with write().
  virtual s3::Status write_data(const char* data, size_t n) = 0;
  virtual void hash_md5(const char* data, size_t n) = 0;
  virtual uint64_t size() const = 0;
  // MD5 of everything written so far (raw 16 bytes); final once writing is done.
  virtual std::string md5_raw() = 0;
  // Flushes the last stripe, fsyncs, moves the shards into place and commits the
  // index entry with a synced write; only then is the object acknowledged.
  virtual s3::Result<ObjectInfo> commit(const ObjectMeta& meta) = 0;
};

// Reads a byte range of one object version. Opened shards stay readable even if the
// object is overwritten or deleted meanwhile.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // Fills up to n bytes; returns 0 at the end of the requested range. Missing or
  // corrupt shards are rebuilt from the others; InternalError when fewer than k are good.
  virtual s3::Result<size_t> read(char* buf, size_t n) = 0;

  // Whether the next read() would wait, for a caller that would rather not hold a thread
  // while a network answers (server/http/session.cpp). Ready: read() returns now, doing
  // no more than a copy; once every byte of the range was read, destroying the reader
  // does not wait either. Pending: wake (when given) is called once, from any thread, as
  // soon as that holds; an empty wake only asks. Unsupported (the default): read() may
  // wait or compute (disk, decoding): call it, and destroy the reader, on the blocking pool.
  enum class Wait { Unsupported, Ready, Pending };
  virtual Wait when_ready(std::function<void()> wake) {
    (void)wake;
    return Wait::Unsupported;
  }
};

class ObjectLayer {
 public:
  virtual ~ObjectLayer() = default;

  // Buckets. make_bucket: BucketAlreadyOwnedByYou when it exists with this owner,
  // BucketAlreadyExists when another owns it. owner "": the admin.
  virtual s3::Status make_bucket(std::string_view bucket, std::string_view owner = {}) = 0;
  // make_bucket with its initial state. A backend that keeps Object Lock commits it with
  // the bucket, so no crash leaves a bucket that exists without its versioning or lock
  // configuration; this default takes the steps one after the other.
  virtual s3::Status make_bucket_with(std::string_view bucket, std::string_view owner, const NewBucket& init) {
    if (auto st = make_bucket(bucket, owner); !st) return st;
    if (init.versioning != Versioning::Unversioned)
      if (auto st = set_versioning(bucket, init.versioning); !st) return st;
    for (const auto& [name, doc] : init.configs)
      if (auto st = put_bucket_config(bucket, name, doc); !st) return st;
    return {};
  }
  virtual s3::Result<BucketInfo> head_bucket(std::string_view bucket) = 0;
  // BucketNotEmpty while any version (delete markers included) remains; NoSuchBucket.
  // Multipart uploads in progress do not keep a bucket (AWS): they are aborted with it,
  // atomically, their parts' data freed; a part still being written fails to commit.
  virtual s3::Status delete_bucket(std::string_view bucket) = 0;
  virtual s3::Result<std::vector<BucketInfo>> list_buckets() = 0;
  // Gives the bucket to owner ("": the admin), its objects and configuration untouched
  // (removing a user who owns buckets, server/ops/admin_users.cpp). NoSuchBucket.
  virtual s3::Status set_bucket_owner(std::string_view bucket, std::string_view owner) = 0;

  // Objects. NoSuchBucket / NoSuchKey as S3 gives them.
  // The version a new object gets follows the bucket's versioning state: a new id when
  // Enabled, "null" (replacing the null version) when Unversioned or Suspended.
  // storage_class (empty: STANDARD) picks the pool; InvalidStorageClass when unmapped.
  virtual s3::Result<std::unique_ptr<ObjectWriter>> create_object(std::string_view bucket, std::string_view key,
                                                                  const WriteConditions& cond = {},
                                                                  std::string_view storage_class = {}) = 0;
  // version_id empty: the latest version. When that is a delete marker: NoSuchKey with
  // extra {"DeleteMarker": "true", "VersionId": id}. A named version that is a delete
  // marker: MethodNotAllowed with the same extras. Unknown version: NoSuchVersion.
  virtual s3::Result<ObjectInfo> stat_object(std::string_view bucket, std::string_view key,
                                             std::string_view version_id = {}) = 0;
  // Range [offset, offset+length) of the version described by info (from stat_object).
  virtual s3::Result<std::unique_ptr<ObjectReader>> open_object(const ObjectInfo& info, uint64_t offset,
                                                                uint64_t length) = 0;
  // stat_object, and when want(info) says so, open_object of the whole version it found
  // into *opened (its error there, if the open fails): a small GET's one lookup where
  // the two calls make two. The default makes the two calls.
  virtual s3::Result<ObjectInfo> stat_and_open(std::string_view bucket, std::string_view key,
                                               std::string_view version_id,
                                               const std::function<bool(const ObjectInfo&)>& want,
                                               std::optional<s3::Result<std::unique_ptr<ObjectReader>>>& opened) {
    auto info = stat_object(bucket, key, version_id);
    if (info && want(*info)) opened.emplace(open_object(*info, 0, info->size));
    return info;
  }
  // Replaces metadata of an existing object without touching its data (copy onto
  // itself with REPLACE); mtime becomes now. Returns the updated info.
  virtual s3::Result<ObjectInfo> update_metadata(std::string_view bucket, std::string_view key,
                                                 const ObjectMeta& meta) = 0;
  // Tags of one version, leaving data, metadata and mtime alone.
  virtual s3::Result<ObjectInfo> set_tags(std::string_view bucket, std::string_view key, std::string_view version_id,
                                          const std::vector<std::pair<std::string, std::string>>& tags) = 0;
  // Canned ACL of one version (PutObjectAcl), leaving everything else alone.
  virtual s3::Result<ObjectInfo> set_acl(std::string_view bucket, std::string_view key, std::string_view version_id,
                                         std::string_view acl) = 0;
  // Object Lock (docs/object-lock.md). A backend that keeps it enforces it in every
  // commit that could remove a version (delete of a version, a null version replaced,
  // lifecycle), for every caller; one that does not keeps these defaults, and server/
  // refuses to enable Object Lock on its buckets.
  virtual bool supports_object_lock() const { return false; }
  // Retention and legal hold of one version (version_id empty: the latest), judged
  // against the stored lock atomically with the change (index/write_conditions.h,
  // apply_lock_change): AccessDenied for a change the lock forbids; NoSuchKey,
  // NoSuchVersion, MethodNotAllowed (a delete marker). Data, metadata and mtime stay.
  virtual s3::Result<ObjectInfo> set_object_lock(std::string_view bucket, std::string_view key,
                                                 std::string_view version_id, const LockChange& change) {
    (void)bucket, (void)key, (void)version_id, (void)change;
    return s3::Error(s3::Code::NotImplemented,
                     "A header you provided implies functionality that is not implemented: this storage backend "
                     "does not implement Object Lock.");
  }
  // Deleting a missing key succeeds (S3 semantics); NoSuchBucket when the bucket is gone.
  // Without version_id in a versioned bucket this adds a delete marker; with it, that
  // version is removed for good, unless its Object Lock forbids it (AccessDenied, for
  // everyone; delete_object_if with bypass_governance for GOVERNANCE).
  // if_current (with an empty version_id only): PreconditionFailed unless the
  // current version is still that one.
  virtual s3::Result<DeleteOutcome> delete_object(std::string_view bucket, std::string_view key,
                                                  std::string_view version_id = {},
                                                  const IfCurrent* if_current = nullptr) = 0;
  // delete_object under a client's conditions (If-Match, x-amz-if-match-size,
  // x-amz-if-match-last-modified-time; DeleteObjects' per-key <ETag>, <Size>,
  // <LastModifiedTime>), compared with the key's current version whatever version_id
  // names (AWS: "conditional delete evaluations only apply to the current version"), in
  // the same atomic commit as the delete: PreconditionFailed when one does not hold;
  // NoSuchKey when if_match is set and there is no current version (or it is a delete
  // marker). A backend that cannot decide them atomically keeps this default, which
  // refuses rather than deleting unconditionally.
  virtual s3::Result<DeleteOutcome> delete_object_if(std::string_view bucket, std::string_view key,
                                                     std::string_view version_id, const DeleteConditions& cond) {
    (void)bucket, (void)key, (void)version_id, (void)cond;
    return s3::Error(s3::Code::NotImplemented,
                     "A header you provided implies functionality that is not implemented: this storage backend "
                     "does not implement conditional deletes.");
  }
  // Current versions only; keys whose latest version is a delete marker are left out.
  virtual s3::Result<ListResult> list_objects(std::string_view bucket, const ListParams& p) = 0;
  virtual s3::Result<VersionListResult> list_object_versions(std::string_view bucket, const VersionListParams& p) = 0;

  // Storage classes this deployment maps to a pool (x-amz-storage-class, lifecycle rules).
  virtual bool has_storage_class(std::string_view name) const = 0;
  virtual std::vector<PoolInfo> pools() const = 0;
  // Re-encodes one version's data into the pool of storage_class (a lifecycle
  // transition): the version keeps its id, ETag, metadata and Last-Modified;
  // only its storage class and layout change, in one atomic index commit, after
  // which the old data is removed. Readers see the right bytes throughout. A
  // write or delete of the version meanwhile wins: the copy is discarded and
  // this fails with NoSuchKey. before_chunk(bytes) runs before each chunk is
  // read (rate limiting). Returns the bytes moved (0 if already in that class).
  virtual s3::Result<uint64_t> transition_object(std::string_view bucket, std::string_view key,
                                                 std::string_view version_id, std::string_view storage_class,
                                                 const std::function<void(uint64_t)>& before_chunk = {}) = 0;

  // Versioning can be Enabled or Suspended, never back to Unversioned.
  virtual s3::Status set_versioning(std::string_view bucket, Versioning state) = 0;
  // Small per-bucket documents (CORS, lifecycle, policy), stored as given.
  // get: nullopt when none is set.
  virtual s3::Status put_bucket_config(std::string_view bucket, std::string_view name, std::string_view value) = 0;
  virtual s3::Result<std::optional<std::string>> get_bucket_config(std::string_view bucket, std::string_view name) = 0;
  virtual s3::Status delete_bucket_config(std::string_view bucket, std::string_view name) = 0;

  // Multipart uploads. Upload ids survive restarts; parts are erasure-coded as they
  // arrive and completion stitches them in the index without copying data.
  virtual s3::Result<UploadInfo> create_upload(std::string_view bucket, std::string_view key,
                                               const ObjectMeta& meta) = 0;
  // NoSuchUpload when it does not exist (or belongs to another bucket/key).
  virtual s3::Result<UploadInfo> get_upload(std::string_view bucket, std::string_view key,
                                            std::string_view upload_id) = 0;
  // A writer for one part (1..10000); commit(meta) records it, meta.checksums being the
  // verified checksums of the part, and replaces an earlier part of that number. The
  // returned ObjectInfo carries the part's etag, size and mtime.
  virtual s3::Result<std::unique_ptr<ObjectWriter>> create_part(std::string_view bucket, std::string_view key,
                                                                std::string_view upload_id, int part_number) = 0;
  virtual s3::Result<PartList> list_parts(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                          int after_part, int max_parts) = 0;
  // InvalidPart (unknown part or etag mismatch), InvalidPartOrder (not ascending),
  // EntityTooSmall (a part other than the last under 5 MiB), NoSuchUpload.
  // The object's etag is hex(md5(concat(binary part md5s)))-N. Parts not named are freed.
  // claims: the client's checksums, checksum type and size, checked before the commit
  // (index/multipart_record.h); a refusal leaves the upload open.
  virtual s3::Result<ObjectInfo> complete_upload(std::string_view bucket, std::string_view key,
                                                 std::string_view upload_id, const std::vector<CompletedPart>& parts,
                                                 const WriteConditions& cond = {},
                                                 const CompleteClaims& claims = {}) = 0;
  // Frees every part. NoSuchUpload.
  virtual s3::Status abort_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) = 0;
  virtual s3::Result<UploadList> list_uploads(std::string_view bucket, const UploadListParams& p) = 0;

  // Where the buckets' lifecycle leases live when several processes serve this backend
  // (object/bucket_lease.h), owned by the layer. nullptr: this process alone serves the
  // data, and the lifecycle worker grants leases itself (object/local_lease.h).
  virtual BucketLeases* bucket_leases() { return nullptr; }
};

}  // namespace silt
