// State shared by the object layer, its writers and its readers: the drives,
// the codec, the index and the lock that keeps shard removal from racing an
// open. Writers and readers hold a reference; the layer outlives them (the
// server drops every writer/reader before the layer).
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "erasure/drive.h"
#include "erasure/reed_solomon.h"
#include "index/index.h"
#include "index/object_record.h"

namespace silt {

struct ErasureSet {
  ErasureSet(std::vector<Drive> d, int parity, uint32_t bs, std::unique_ptr<Index> idx)
      : drives(std::move(d)),
        codec(static_cast<int>(drives.size()) - parity, parity),
        block_size(bs),
        index(std::move(idx)) {}

  std::vector<Drive> drives;
  ReedSolomon codec;
  uint32_t block_size;
  std::unique_ptr<Index> index;
  // Shared while a reader looks up a record and opens its shard files; exclusive
  // while replaced or deleted data is removed. Open files stay readable after
  // removal, so a reader never sees a half-deleted object.
  std::shared_mutex data_mu;

  int k() const { return codec.data_shards(); }
  int m() const { return codec.parity_shards(); }
  // Shards that must reach disk for a write to count: k+1 (so one more failure
  // still leaves k), capped at the number of drives.
  int write_quorum() const { return std::min(k() + 1, static_cast<int>(drives.size())); }

  // distribution[shard] = drive: shard i on drive (i + rotation) % n, rotation
  // taken from the data id so objects spread their data shards over all drives.
  std::vector<int> distribution(const std::string& data_id) const;

  // Removes the data directories of a replaced or deleted object on every drive.
  void remove_data(const ObjectRecord& rec);
  // Removes these data directories on every drive.
  void remove_data_ids(const std::vector<std::string>& ids);
};

// File name of part `number`'s shard inside a data directory.
std::string part_file_name(int number);
inline constexpr const char* kMetaFile = "meta.json";

}  // namespace silt
