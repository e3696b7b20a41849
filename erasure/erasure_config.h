// The erasure backend's configuration (pools of drives, their erasure profile,
// compression and price; the storage-class map; the index directory) and the factory
// that opens it as an ObjectLayer.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "object/object_layer.h"

namespace silt {

// A pool: drives with one erasure profile (k = drives - parity), optional zstd
// compression and a price; storage classes name pools.
struct PoolConfig {
  std::string name;
  std::vector<std::string> drives;  // one directory per drive
  int parity = 2;
  uint32_t block_size = 1 << 20;  // bytes of object data per stripe
  int zstd_level = 0;             // 0: no compression
  double price_per_tb_month = 0;  // per TB (10^12 bytes) stored on the drives
};

struct ErasureConfig {
  // One pool named "standard" for class STANDARD, when `pools` is empty.
  std::vector<std::string> drives;
  int parity = 2;
  uint32_t block_size = 1 << 20;

  std::vector<PoolConfig> pools;
  // Storage class -> pool name. STANDARD must be mapped when pools are given.
  // Pools that share drives list exactly the same drives in the same order.
  std::vector<std::pair<std::string, std::string>> storage_classes;
  std::string index_dir;  // LevelDB directory
  // Single PUTs of at most this many bytes into an uncompressed pool go to the
  // drives' segment files instead of data dirs of their own (docs/format.md,
  // "Segment files"). 0: never.
  uint64_t inline_threshold = 0;
  // Bytes at which a segment file is closed and the next one opened; sealed ones
  // are reclaimed once mostly dead (erasure/segment_reclaim.h).
  uint64_t segment_size = 64u << 20;
};

// Opens (formatting empty drives on first use) and runs startup recovery: clears
// temporary files and removes shard directories the index does not reference.
s3::Result<std::unique_ptr<ObjectLayer>> open_erasure_object_layer(const ErasureConfig& cfg);

}  // namespace silt
