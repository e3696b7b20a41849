// Which index shard holds a key (docs/cluster.md, "Index shards"). A bucket's keys are
// range-partitioned over shard objects: the map object silt.b.<id>.map lists each
// shard's lower bound (an object key; the first is "") with its object id and
// generation. Every entry of one object key (O, V, U, P, its D and I) is in the shard
// whose range holds the key, so every S3 mutation stays one atomic op.
//
// A bucket without a map object (every bucket until its first split, and every bucket
// made before shards existed) has the implied map: one shard, silt.b.<id>.s.0, of
// generation "" (no "gen" xattr). Old layouts read as they are; nothing migrates.
//
// Gateways cache maps. Every op on a shard asserts the shard's "gen" xattr equals the
// map's generation for it: a split changes it, so a gateway holding a stale map gets
// -ECANCELED (writes) or sees the mismatch (reads), drops its map, reads it again and
// retries. Writes also assert the shard is not splitting (rados/split.h).
//
// Map object: xattr "gen" (decimal, the map's generation); omap S<lower bound> ->
// "<gen> <shard oid>".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "rados/connection.h"

namespace silt::rados {

struct Backend;

inline constexpr const char* kGenXattr = "gen";
inline constexpr std::string_view kSplitting = "splitting";

// One shard as a map names it.
struct ShardRef {
  std::string oid;
  std::string gen;  // its expected "gen" xattr; "" for the implied map's shard
  bool operator==(const ShardRef&) const = default;
};

struct ShardRange {
  std::string lower;  // the smallest key of the range; "" for the first shard
  ShardRef shard;
};

struct ShardMap {
  std::string bucket_id;
  std::string gen;                 // the map object's generation; "" when there is none
  std::vector<ShardRange> ranges;  // by lower bound, ranges[0].lower == ""
  // The bucket lists from packed blocks and deltas (rados/list_pack.h): its record says so.
  bool packed = false;

  // The index of the range holding key.
  size_t index_of(std::string_view key) const;
  // The first entry name of range i among entries kind+escape(key) ('O' is not
  // escaped): every entry of that kind of range i sorts at or after it, and before
  // the next range's. "" for range 0.
  std::string entry_floor(size_t i, char kind) const;
};

std::string map_oid(std::string_view bucket_id);
// The shard object of a new range of bucket_id.
std::string new_shard_oid(std::string_view bucket_id);
// Generation g + 1 ("" counts as 0).
std::string next_gen(std::string_view g);

// Reads bucket_id's map from the cluster (the implied one when it has none).
s3::Result<ShardMap> load_shard_map(Backend& b, std::string_view bucket_id);

// Asserts in op that the shard still is what s names (exists, same generation) and is
// not splitting: a write that passes is ordered before any split of it, so the split
// copies it.
void guard_shard(librados::ObjectOperation& op, const ShardRef& s);

// The object key an index entry belongs to; false for entries of no key (G, unknown)
// and for D / I entries, which name a data id (the caller knows their key otherwise).
bool entry_key(std::string_view entry, std::string& key);

}  // namespace silt::rados
