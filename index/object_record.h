// What we know about one stored object version: the client-visible ObjectInfo
// plus where its bytes live. The same JSON document is the LevelDB value and
// each drive's meta.json, so the index can be rebuilt from the drives alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "erasure/object_layer.h"

namespace silt {

struct ObjectLayout {
  int k = 0;                      // data shards per stripe
  int m = 0;                      // parity shards per stripe
  uint32_t block_size = 0;        // object bytes per stripe
  std::string data_id;            // 32 hex: data/<2 hex>/<data_id>/ on every drive
  std::vector<int> distribution;  // distribution[shard index] = drive index
};

// Single PUTs have exactly one part (number 1) in the object's own data dir.
struct PartRecord {
  int number = 1;
  uint64_t size = 0;
  std::string etag;
  std::string data_id;
};

struct ObjectRecord {
  ObjectInfo info;
  ObjectLayout layout;
  std::vector<PartRecord> parts;
};

std::string encode_object_record(const ObjectRecord& r);
s3::Result<ObjectRecord> decode_object_record(std::string_view json);

}  // namespace silt
