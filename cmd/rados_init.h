// `silt admin rados init --config FILE [--ceph-conf FILE]`: creates the EC profiles
// and pools of the config's RADOS pool table (rados/pool_init.h, docs/cluster.md).
// Like rebuild-index it talks to no silt server, only to the Ceph cluster.
#pragma once

namespace CLI {
class App;
}

namespace silt {

// Registers `rados init` under `silt admin` (admin). Exit 0 when the cluster has
// everything the config names (created now or before); 1 on a conflict with the
// cluster, a pool table init cannot serve (no k/m, ...) or a failed mon command; 2 on
// an unreadable or non-RADOS config file or a build without librados.
void add_rados_init_command(CLI::App& admin);

}  // namespace silt
