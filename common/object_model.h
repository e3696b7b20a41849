// The vocabulary every layer shares about buckets and objects: what an object is
// (ObjectInfo, ObjectMeta), version and upload listings (ListObjects' page is
// common/list_entry.h), multipart uploads, the conditions a write or a delete may
// carry, and S3's fixed limits and bucket-name rules. Plain values, no behaviour:
// server/, lifecycle/, index/ and every storage backend speak it, and none of them
// needs another's headers for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silt {

// S3's limits (AWS's "Amazon S3 multipart upload limits").
inline constexpr uint64_t kMinPartSize = 5ull << 20;        // every part but the last
inline constexpr int kMaxPartNumber = 10000;                // part numbers 1..10000
inline constexpr uint64_t kMaxCopySourceSize = 5ull << 30;  // CopyObject, and each UploadPartCopy range
inline constexpr size_t kMaxKeyLength = 1024;               // bytes of UTF-8

// Bucket naming rules for CreateBucket (3-63 chars of a-z 0-9 . -, starting and
// ending with a letter or digit, no "..", ".-" or "-.", not an IP address).
bool valid_bucket_name(std::string_view name);
// A LocationConstraint silt keeps and later echoes in a header (x-amz-bucket-region):
// 1-64 of a-z 0-9 '-', like every AWS region name and the names clients invent
// ("local", "garage", "eu-west-1").
bool valid_region_name(std::string_view name);
// Names silt keeps for itself whatever the rules say: "minio" (MinIO clients treat it
// as the server's own namespace).
bool is_reserved_bucket_name(std::string_view name);

// Object Lock on one version (docs/object-lock.md): a retention (mode and date) and a
// legal hold, each independent. Judged by index/write_conditions.h inside every commit
// that could remove the version.
struct ObjectLock {
  std::string mode;             // "", "GOVERNANCE" or "COMPLIANCE"; "" means no retention
  int64_t retain_until_ms = 0;  // UTC; meaningful only with a mode
  bool legal_hold = false;
  // A hold was put on this version, ON or OFF (GetObjectLegalHold answers its status then,
  // 404 NoSuchObjectLockConfiguration before, as AWS).
  bool legal_hold_set = false;
  bool operator==(const ObjectLock&) const = default;
};

// A change to one version's lock (PutObjectRetention or PutObjectLegalHold): only the
// parts set change. bypass_governance: the caller sent x-amz-bypass-governance-retention
// and holds s3:BypassGovernanceRetention, so a GOVERNANCE retention may be shortened or
// removed.
struct LockChange {
  std::optional<ObjectLock> retention;  // mode "" removes the retention
  std::optional<bool> legal_hold;
  bool bypass_governance = false;
};

// Server-side encryption of one object (docs/encryption.md), written by server/s3 with
// crypto/ and kept by the storage as given; an empty algorithm: stored in the clear.
struct ObjectSse {
  std::string algorithm;   // "AES256" (SSE-S3), "aws:kms" (SSE-KMS) or "SSE-C"
  std::string key_id;      // the master key (SSE-S3) or keyring key (SSE-KMS) sealing the data key
  std::string sealed_key;  // base64(nonce || AES-256-GCM(data key) || tag)
  // SSE-KMS: the encryption context (a JSON object of string pairs, as server/s3/sse.h
  // writes it), bound to sealed_key: a record whose context was altered does not open.
  std::string context;
  // SSE-KMS: the object asked for an S3 Bucket Key (docs/encryption.md); echoed only.
  bool bucket_key = false;
  bool empty() const { return algorithm.empty(); }
};

// What a client sets on an object and gets back on GET/HEAD.
struct ObjectMeta {
  std::string content_type;  // empty: server answers binary/octet-stream
  std::string content_encoding;
  std::string content_disposition;
  std::string content_language;
  std::string cache_control;
  std::string expires;
  // x-amz-meta-* as (lowercase name without the "x-amz-meta-" prefix, value as sent).
  std::vector<std::pair<std::string, std::string>> user;
  // Verified x-amz-checksum-* values: ("CRC32", base64), at most one per algorithm.
  std::vector<std::pair<std::string, std::string>> checksums;
  // Multipart objects: "COMPOSITE" (checksum of the part checksums, "-N") or
  // "FULL_OBJECT" (a CRC of the whole body, combined from the parts' CRCs);
  // empty for single PUTs, whose checksums always cover the whole body.
  std::string checksum_type;
  std::string storage_class = "STANDARD";
  // Object tags (x-amz-tagging, PutObjectTagging), in the order they were given.
  std::vector<std::pair<std::string, std::string>> tags;
  // Canned ACL (auth/acl.h): "" or "private", "public-read", "authenticated-read".
  std::string acl;
  // Object Lock (retention, legal hold). Only an index commit that judges it changes it
  // on a stored version (index/write_conditions.h).
  ObjectLock lock;
  ObjectSse sse;  // how the data is encrypted at rest
  // The user (name; the admin's too) whose request created this version or upload; empty
  // in records older than the field. Objects are their bucket owner's whoever wrote them
  // (docs/acl.md); an upload's writer is its Initiator (ListMultipartUploads, ListParts).
  std::string writer;
};

// One part of a multipart object as it was completed (GetObjectAttributes, ?partNumber=).
struct PartSummary {
  int number = 0;
  uint64_t size = 0;
  std::string etag;  // of the part: lowercase hex MD5
  std::vector<std::pair<std::string, std::string>> checksums;
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  std::string version_id = "null";
  uint64_t size = 0;
  std::string etag;      // lowercase hex MD5, no quotes ("<md5>-N" for multipart)
  int64_t mtime_ms = 0;  // upload completion time, UTC
  ObjectMeta meta;
  bool delete_marker = false;  // a version that says "deleted" (versioned buckets)
  bool is_latest = true;       // the current version of its key
  // Multipart objects: the parts in order. Single PUTs: empty.
  std::vector<PartSummary> parts;
  // Multipart objects: the upload they completed, so a repeated
  // CompleteMultipartUpload can be answered; empty for single PUTs and for
  // records older than the field.
  std::string upload_id;
  // Not client-visible: bytes this version's shard files take on the drives
  // (erasure coding and compression included; 0 when not recorded).
  uint64_t stored_bytes = 0;
};

enum class Versioning { Unversioned, Enabled, Suspended };

// A pool as configured (erasure/pool.h), for usage reports.
struct PoolInfo {
  std::string name;
  int k = 0;
  int m = 0;
  uint32_t block_size = 0;
  int zstd_level = 0;
  double price_per_tb_month = 0;
  size_t drives = 0;
  std::vector<std::string> storage_classes;  // the classes mapped to it
};

struct BucketInfo {
  std::string name;
  int64_t created_ms = 0;
  Versioning versioning = Versioning::Unversioned;
  std::string owner;  // access key of the user that created it; "" for the admin (auth/access.h)
};

// What a bucket starts with, committed with it: CreateBucket's location, ACL and, for
// Object Lock, versioning Enabled and the lock configuration.
struct NewBucket {
  Versioning versioning = Versioning::Unversioned;
  std::vector<std::pair<std::string, std::string>> configs;  // ObjectLayer::put_bucket_config's (name, document)
};

// Conditions checked atomically with the commit of a new object (PutObject,
// CompleteMultipartUpload): of two racing creators with if_none_match_any,
// exactly one wins. PreconditionFailed otherwise.
struct WriteConditions {
  bool if_none_match_any = false;  // If-None-Match: *  (the key must not exist)
  std::string if_match;            // If-Match: "<etag>" (the current version must have it)
  // Set by the object layer when the write starts, never by callers: whether a live
  // version existed then. If it is deleted while the write is in flight, the write
  // fails with ConditionalRequestConflict (409), as S3 answers.
  std::optional<bool> existed_at_start;
};

// Deletes the current version only while it is still this one: a lifecycle
// expiration must lose to a write that lands after the rule was evaluated.
struct IfCurrent {
  std::string version_id;
  std::string etag;
  int64_t mtime_ms = 0;
};

// A client's conditions on deleting a key (DeleteObject's If-Match,
// x-amz-if-match-last-modified-time and x-amz-if-match-size; DeleteObjects' per-key
// <ETag>, <LastModifiedTime> and <Size>), compared with the key's current version in the
// same commit as the delete (index/write_conditions.h says what each answers).
struct DeleteConditions {
  std::string if_match;            // an ETag, quoted or not, or "*"; empty: no condition
  std::optional<int64_t> mtime_s;  // Last-Modified in whole seconds since the epoch
  std::optional<int64_t> size;     // bytes
  // Not a condition: the caller sent x-amz-bypass-governance-retention and holds
  // s3:BypassGovernanceRetention, so a GOVERNANCE-retained version may be removed.
  bool bypass_governance = false;
  bool empty() const { return if_match.empty() && !mtime_s && !size; }
};

struct DeleteOutcome {
  bool delete_marker = false;  // a delete marker was created, or the version removed was one
  std::string version_id;      // of the marker created or the version removed; empty if unversioned
};

struct VersionListParams {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;         // start after this key ...
  std::string version_id_marker;  // ... or, with it, after this version of key_marker
  int max_keys = 1000;
  // Fill only what ListObjectVersions prints (key, version id, size, etag, mtime,
  // storage class, delete marker, is_latest): no JSON decode for new records.
  bool listing_fields_only = false;
};

struct VersionListResult {
  std::vector<ObjectInfo> versions;  // newest first within a key; delete markers included
  std::vector<std::string> prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};

// Multipart uploads.
struct UploadInfo {
  std::string bucket;
  std::string key;
  std::string upload_id;
  int64_t initiated_ms = 0;
  ObjectMeta meta;  // what CreateMultipartUpload was given; the completed object gets it
};

struct PartInfo {
  int number = 0;
  uint64_t size = 0;
  std::string etag;
  int64_t mtime_ms = 0;
  std::vector<std::pair<std::string, std::string>> checksums;
};

struct PartList {
  UploadInfo upload;
  std::vector<PartInfo> parts;  // ascending part numbers
  bool truncated = false;
  int next_marker = 0;
};

struct CompletedPart {
  CompletedPart() = default;
  CompletedPart(int n, std::string e, std::vector<std::pair<std::string, std::string>> sums = {})
      : number(n), etag(std::move(e)), checksums(std::move(sums)) {}
  int number = 0;
  std::string etag;  // as the client sent it; quotes allowed
  // ("CRC32", base64) the client listed for this part; each must equal the stored one.
  std::vector<std::pair<std::string, std::string>> checksums;
};

// What a CompleteMultipartUpload request claims about the object it makes; each claim is
// checked against the parts the commit uses (index/multipart_record.h), none is stored.
struct CompleteClaims {
  std::string checksum_type;  // x-amz-checksum-type; empty: no claim
  // ("CRC32", base64) from x-amz-checksum-<algo> headers of algorithms silt computes.
  std::vector<std::pair<std::string, std::string>> checksums;
  std::optional<uint64_t> object_size;  // x-amz-mp-object-size
};

struct UploadListParams {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  int max_uploads = 1000;
};

struct UploadList {
  std::vector<UploadInfo> uploads;  // by key, then initiation time
  std::vector<std::string> prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

}  // namespace silt
