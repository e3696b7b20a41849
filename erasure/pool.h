// A pool: drives with one erasure profile, optional compression and a price.
// Storage classes name pools (erasure/object_layer.h PoolConfig); every object
// version records the pool its data was written to (ObjectLayout::pool).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "erasure/drive.h"
#include "erasure/erasure_config.h"
#include "erasure/reed_solomon.h"

namespace silt {

struct Pool {
  Pool(const PoolConfig& c, std::vector<Drive> d)
      : name(c.name),
        drives(std::move(d)),
        codec(static_cast<int>(drives.size()) - c.parity, c.parity),
        block_size(c.block_size),
        zstd_level(c.zstd_level),
        price_per_tb_month(c.price_per_tb_month) {}

  std::string name;
  std::vector<Drive> drives;
  ReedSolomon codec;
  uint32_t block_size;
  int zstd_level;  // 0: stored as is
  double price_per_tb_month;

  int k() const { return codec.data_shards(); }
  int m() const { return codec.parity_shards(); }
  bool compressed() const { return zstd_level != 0; }
  // Shards that must reach disk for a write to count: k+1 (so one more failure
  // still leaves k), capped at the number of drives.
  int write_quorum() const { return std::min(k() + 1, static_cast<int>(drives.size())); }
  // distribution[shard] = drive: shard i on drive (i + rotation) % n, rotation
  // taken from the data id so objects spread their data shards over all drives.
  std::vector<int> distribution(const std::string& data_id) const;
};

}  // namespace silt
