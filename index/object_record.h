// What we know about one stored object version: the client-visible ObjectInfo
// plus where its bytes live. Each drive's meta.json holds it as JSON, the LevelDB
// value in binary (the same fields), so the index can be rebuilt from the drives alone.
// Multipart uploads in progress have their own records (index/upload_record.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"

namespace silt {

// Where one shard of a small object lives: an entry of a segment file on the
// drive the distribution names (docs/format.md, "Segment files"). The index
// records the place; which directory a drive is stays erasure's business.
struct SegmentRef {
  uint64_t segment = 0;  // segment id
  uint64_t offset = 0;   // of the entry in the segment
  uint32_t length = 0;   // shard image bytes; 0: this shard was not written
  bool operator==(const SegmentRef&) const = default;
};

struct ObjectLayout {
  int k = 0;                      // data shards per stripe
  int m = 0;                      // parity shards per stripe
  uint32_t block_size = 0;        // object bytes per stripe
  std::string data_id;            // 32 hex: data/<2 hex>/<data_id>/ on every drive; empty for multipart
  std::vector<int> distribution;  // distribution[shard index] = drive index; empty for multipart
  std::string pool;               // pool holding the data; empty: the first pool (records before pools)
  std::string compression;        // "zstd": one frame per stripe (docs/format.md); empty: none
  uint64_t stored = 0;            // uploaded parts: bytes of their shard files on the drives
  // Small single PUTs: segments[shard] locates each shard, and there is no data
  // dir (data_id still names the data). Empty: shard files in data dirs.
  std::vector<SegmentRef> segments{};
  bool in_segments() const { return !segments.empty(); }
};

// Single PUTs have exactly one part (number 1) in the object's own data dir.
// Each part of a multipart object has its own data dir and distribution.
struct PartRecord {
  int number = 1;
  uint64_t size = 0;
  std::string etag;
  std::string data_id;
  std::vector<int> distribution;  // empty: the layout's (single PUT)
  std::vector<std::pair<std::string, std::string>> checksums;
  uint64_t stored = 0;  // bytes of this part's shard files on the drives (0: not recorded)
};

struct ObjectRecord {
  ObjectInfo info;  // info.parts is derived from parts for multipart objects
  ObjectLayout layout;
  std::vector<PartRecord> parts;
  // Tail of the V index key (index/keys.h); empty only in records not yet committed.
  std::string version_key;
  // Multipart objects: the upload they completed (empty for older records), so
  // the drives tell a completed upload from one in progress.
  std::string upload_id;

  bool multipart() const { return !info.delete_marker && layout.data_id.empty(); }
  // The data dir that identifies this version's data (a single PUT's, or the
  // first part's): it changes whenever the data is rewritten.
  std::string primary_data_id() const {
    if (!layout.data_id.empty() || parts.empty()) return layout.data_id;
    return parts.front().data_id;
  }
  // Drive holding shard `shard` of part p.
  const std::vector<int>& distribution_of(const PartRecord& p) const {
    return p.distribution.empty() ? layout.distribution : p.distribution;
  }
};

// The JSON document (meta.json). The index stores it behind a listing header
// (index/listing_header.h) in binary (index/binary_record.h); decoding accepts
// every form: meta.json, the old header + JSON values, the binary ones.
std::string encode_object_record(const ObjectRecord& r);
s3::Result<ObjectRecord> decode_object_record(std::string_view value);
// Cheap test on an encoded record, index value or listing entry (no JSON parse): is it
// a delete marker?
bool encoded_is_delete_marker(std::string_view value);

}  // namespace silt
