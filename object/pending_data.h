// Data a storage cluster's pools rightly hold that no version in the index names: data of
// replaced or deleted versions waiting for GC, parts of multipart uploads not completed,
// and writes in flight (RADOS backend; docs/cluster.md, "Usage against the pools"). The
// usage cross-check (server/ops/usage_check.h) adds it to what the index names before it
// compares with the pools' own figures, so normal operation raises no alarm.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace silt {

// Byte figures are what the writers wrote into the pool (after the gateway's zstd, before
// EC or replication): what `ceph df`'s STORED counts, less its stripe padding.
struct PendingPoolData {
  std::string pool;  // the silt pool (config name) the entries name
  // Queued for GC (G entries), due or not.
  uint64_t gc_entries = 0;
  uint64_t gc_objects = 0;  // RADOS data objects they name (some may be gone already)
  uint64_t gc_bytes = 0;    // of the entries that record their bytes
  // Entries written by gateways before G entries recorded bytes: their objects are known,
  // their bytes are not (at most gc_grace after an upgrade, then GC has removed them).
  uint64_t gc_unknown_entries = 0;
  uint64_t gc_unknown_objects = 0;
  // Parts of uploads in progress (P entries of open or completing uploads; of an upload
  // being aborted or removed after its Complete, those whose data is still to go).
  uint64_t part_entries = 0;
  uint64_t part_objects = 0;
  uint64_t part_bytes = 0;
  uint64_t part_unknown_entries = 0;  // parts whose record keeps no stored size (compressed)
  // Writes in flight (I entries): their bytes grow while they stream and are not counted.
  uint64_t intents = 0;

  // Adds o's figures (not its name): several silt pools stored in one RADOS pool.
  void add(const PendingPoolData& o) {
    for (auto f : {&PendingPoolData::gc_entries, &PendingPoolData::gc_objects, &PendingPoolData::gc_bytes,
                   &PendingPoolData::gc_unknown_entries, &PendingPoolData::gc_unknown_objects,
                   &PendingPoolData::part_entries, &PendingPoolData::part_objects, &PendingPoolData::part_bytes,
                   &PendingPoolData::part_unknown_entries, &PendingPoolData::intents})
      this->*f += o.*f;
  }
};

struct PendingData {
  std::vector<PendingPoolData> pools;  // one per silt pool named by an entry, by name
  uint64_t shards = 0;                 // index shard objects read
  uint64_t entries = 0;                // G, P, U and I entries read
  int64_t took_ms = 0;                 // how long the walk took
};

}  // namespace silt
