// `silt admin rados orphans --config FILE [--ceph-conf FILE] [--intent-timeout SECONDS]`:
// lists the data objects no index entry names and the write intents older than the
// timeout (rados/orphans.h, docs/cluster.md "Orphan check"). Talks to the cluster only;
// running gateways may stay up. Changes nothing.
#pragma once

namespace CLI {
class App;
}

namespace silt {

// Registers `orphans` under `silt admin rados` (rados). Exit 0: nothing found; 1: an
// orphan or a stale intent was found (each printed on a line of its own); 2: an
// unusable config, a cluster error or a build without librados.
void add_rados_orphans_command(CLI::App& rados);

}  // namespace silt
