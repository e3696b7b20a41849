// What the server knows of a storage cluster that keeps its own data whole (Ceph, through
// the RADOS backend): its health, its OSDs and monitors, and each pool silt uses with the
// states of its placement groups and, when the cluster reports it, its usage. The health
// probes, the metrics, the admin API's status and usage calls and the console's cluster
// panel all render this one snapshot (docs/cluster.md, "Health, metrics and the console").
// Typed structs, so a renamed field is a compile error in every renderer. The erasure
// backend has local drives instead (object/maintenance.h); the server gets one or the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "object/pending_data.h"

namespace silt {

// PGs of one pool by what they can do. The states are judged from the OSD map (how many of
// a PG's acting OSDs are up, against the pool's size and min_size): without a ceph-mgr
// the monitors do not know the peering state (recovering, backfilling), so a PG whose OSDs
// are all up counts as clean even while it still recovers.
struct PgCounts {
  uint64_t total = 0;
  uint64_t clean = 0;     // every acting OSD up: active+clean
  uint64_t degraded = 0;  // fewer than size but at least min_size up: active, takes writes
  uint64_t inactive = 0;  // fewer than min_size up: no reads or writes until they return
};

struct ClusterPool {
  std::string name;                     // the RADOS pool
  std::vector<std::string> silt_pools;  // the silt pools stored in it; empty for the index pool
  std::vector<std::string> storage_classes;
  bool index = false;    // silt's index pool (replicated, omap)
  bool erasure = false;  // an EC pool: k data + m coding chunks; replicated: k = 1, m = size - 1
  int k = 1;
  int m = 0;
  int size = 0;      // OSDs each PG is placed on
  int min_size = 0;  // OSDs a PG needs up to serve
  // An EC pool's stripe (k chunks of 4 KiB by default): Ceph pads each object's data to a
  // whole stripe, and its stored bytes count the padding. 0 for a replicated pool.
  uint64_t stripe_width = 0;
  PgCounts pgs;
  // From the cluster's pool statistics (`ceph df`), which only a ceph-mgr keeps: nullopt
  // without one. stored: the bytes of its objects as written (before EC or replication);
  // used: the raw bytes on the OSDs (with them).
  std::optional<uint64_t> stored_bytes;
  std::optional<uint64_t> used_bytes;
  std::optional<uint64_t> objects;
  // Every PG can take writes (and so reads: a Ceph PG below min_size does neither).
  bool writable() const { return pgs.total > 0 && pgs.inactive == 0; }
};

// The monitors' overall word: HEALTH_OK, HEALTH_WARN, HEALTH_ERR.
enum class CephHealth { Ok = 0, Warn = 1, Err = 2 };

constexpr std::string_view ceph_health_name(CephHealth h) {
  switch (h) {
    case CephHealth::Ok: return "HEALTH_OK";
    case CephHealth::Warn: return "HEALTH_WARN";
    case CephHealth::Err: return "HEALTH_ERR";
  }
  return "HEALTH_ERR";
}

struct ClusterState {
  // The monitors answered the last refresh and it is recent (below the source's stale
  // limit). False: nothing below is current; error says why.
  bool reachable = false;
  std::string error;
  int64_t measured_ms = 0;  // Unix ms of the last answer; 0: never answered
  CephHealth health = CephHealth::Err;
  std::vector<std::string> health_checks;  // the codes of the monitors' raised checks (OSD_DOWN, ...)
  int osds_total = 0;
  int osds_up = 0;
  int osds_in = 0;
  int mons_total = 0;
  int mons_in_quorum = 0;
  bool mgr_available = false;  // a ceph-mgr runs: pool statistics are known
  // The backend's inline_bytes: a single PUT of at most this many bytes keeps its data in
  // the index pool, not in its class's data pool (the usage cross-check leaves it out there).
  uint64_t inline_bytes = 0;
  uint64_t osdmap_epoch = 0;
  std::vector<ClusterPool> pools;  // silt's pools: the index pool first, then each data pool once

  // What the health probes answer by (docs/operations.md, "Health"): the monitors answer and
  // every pool silt uses takes writes.
  bool writable() const {
    if (!reachable || pools.empty()) return false;
    for (const auto& p : pools)
      if (!p.writable()) return false;
    return true;
  }
};

class ClusterStatus {
 public:
  virtual ~ClusterStatus() = default;
  // The last snapshot. Never blocks and never asks the cluster itself (a background
  // thread refreshes it), so a probe costs no round trip and may run on an io thread.
  virtual ClusterState cluster_state() = 0;
  // What the pools hold beside the versions the index names (object/pending_data.h), for
  // the usage cross-check. Unlike cluster_state it walks the index (every shard's G, P, U
  // and I entries, in bounded pages): it blocks, seconds on a large index, so it runs only
  // where the usage walk it completes runs, off the io threads. NotImplemented when the
  // source cannot tell (the default).
  virtual s3::Result<PendingData> pending_data() {
    return s3::Error(s3::Code::NotImplemented, "this storage cluster does not report data awaiting GC");
  }
};

}  // namespace silt
