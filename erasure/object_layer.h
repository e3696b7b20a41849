// The one interface server/ (and later lifecycle/) uses to act on buckets and
// objects. It knows nothing of HTTP. The implementation stripes object data
// with Reed-Solomon across drives (erasure/) and commits metadata to LevelDB
// (index/). All calls block (disk I/O, fsync): server/ runs them on its
// blocking thread pool, never on an io_context thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt {

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
  std::string storage_class = "STANDARD";
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  std::string version_id = "null";
  uint64_t size = 0;
  std::string etag;  // lowercase hex MD5, no quotes ("<md5>-N" for multipart)
  int64_t mtime_ms = 0;  // upload completion time, UTC
  ObjectMeta meta;
};

struct BucketInfo {
  std::string name;
  int64_t created_ms = 0;
};

struct ListParams {
  std::string prefix;
  std::string delimiter;  // empty: no grouping
  std::string after;      // list keys (and common prefixes) strictly greater than this
  int max_keys = 1000;    // counts objects plus common prefixes; 0 is allowed
};

struct ListResult {
  // Objects and common prefixes together, in key order, at most max_keys of them.
  std::vector<ObjectInfo> objects;
  std::vector<std::string> prefixes;
  bool truncated = false;
  // The greatest key or common prefix returned: pass it as `after` for the next page.
  std::string last;
};

// Streams one new object's bytes to the drives. Nothing is visible until commit();
// destroying an uncommitted writer removes everything it wrote.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual s3::Status write(const char* data, size_t n) = 0;
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
};

class ObjectLayer {
 public:
  virtual ~ObjectLayer() = default;

  // Buckets. make_bucket: BucketAlreadyOwnedByYou when it exists.
  virtual s3::Status make_bucket(std::string_view bucket) = 0;
  virtual s3::Result<BucketInfo> head_bucket(std::string_view bucket) = 0;
  // BucketNotEmpty when objects remain; NoSuchBucket.
  virtual s3::Status delete_bucket(std::string_view bucket) = 0;
  virtual s3::Result<std::vector<BucketInfo>> list_buckets() = 0;

  // Objects. NoSuchBucket / NoSuchKey as S3 gives them.
  virtual s3::Result<std::unique_ptr<ObjectWriter>> create_object(std::string_view bucket,
                                                                  std::string_view key) = 0;
  virtual s3::Result<ObjectInfo> stat_object(std::string_view bucket, std::string_view key) = 0;
  // Range [offset, offset+length) of the version described by info (from stat_object).
  virtual s3::Result<std::unique_ptr<ObjectReader>> open_object(const ObjectInfo& info, uint64_t offset,
                                                                uint64_t length) = 0;
  // Replaces metadata of an existing object without touching its data (copy onto
  // itself with REPLACE); mtime becomes now. Returns the updated info.
  virtual s3::Result<ObjectInfo> update_metadata(std::string_view bucket, std::string_view key,
                                                 const ObjectMeta& meta) = 0;
  // Deleting a missing key succeeds (S3 semantics); NoSuchBucket when the bucket is gone.
  virtual s3::Status delete_object(std::string_view bucket, std::string_view key) = 0;
  virtual s3::Result<ListResult> list_objects(std::string_view bucket, const ListParams& p) = 0;
};

struct ErasureConfig {
  std::vector<std::string> drives;  // one directory per drive; k = drives.size() - parity
  int parity = 2;
  uint32_t block_size = 1 << 20;  // bytes of object data per stripe
  std::string index_dir;          // LevelDB directory
};

// Opens (formatting empty drives on first use) and runs startup recovery: clears
// temporary files and removes shard directories the index does not reference.
s3::Result<std::unique_ptr<ObjectLayer>> open_erasure_object_layer(const ErasureConfig& cfg);

}  // namespace silt
