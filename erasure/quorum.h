// Whether each pool can serve reads and take writes right now, from the drive states
// the healer keeps (Drive::state: atomics, so this never blocks and may run on an
// io thread). Behind the health probes (server/ops/health.h); the admin status call
// reports the same per pool (Healer::cluster_status).
#pragma once

#include <string>
#include <vector>

#include "object/object_layer.h"

namespace silt {

struct PoolQuorum {
  std::string name;
  int drives = 0;
  int usable = 0;             // online or healing
  int read_quorum = 0;        // k: shards a read needs
  int write_quorum = 0;       // shards a write must land (erasure/pool.h)
  bool default_pool = false;  // where STANDARD objects go
  bool readable() const { return usable >= read_quorum; }
  bool writable() const { return usable >= write_quorum; }
};

// One entry per pool; empty for a layer that is not erasure-coded (tests).
std::vector<PoolQuorum> pool_quorum(ObjectLayer& layer);

}  // namespace silt
