// `silt admin rados init` (docs/cluster.md, "Creating the pools"): makes the EC
// profiles and pools a RadosConfig names, through mon commands, so an operator goes
// from an empty Ceph cluster to one silt can serve with one command.
//
// Idempotent: what exists as asked is left alone and reported as such; what exists
// differently (a pool of the other type or with another EC profile, a profile with
// other k, m, plugin or failure domain) is never changed, it is an error naming both
// sides, and nothing after it is created. Pools are never deleted or resized.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "rados/connection.h"
#include "rados/rados_config.h"

namespace silt::rados {

// One line of the report, in the order the steps ran.
struct InitStep {
  std::string what;  // "profile silt-isa-2-1", "pool silt.std (EC silt-isa-2-1)"
  bool created = false;
  std::string note;  // "created", "exists", "application silt enabled"
};

struct InitReport {
  std::vector<InitStep> steps;
  int changes() const;  // steps that created or changed something
};

// The EC profile name a pool gets: cfg.ec_profile, or silt-isa-<k>-<m>.
std::string profile_name(const RadosPoolConfig& p);

// The EC profile's key/value spec: plugin=isa, k, m, crush-failure-domain,
// technique=reed_sol_van.
std::vector<std::string> profile_spec(const RadosPoolConfig& p, const std::string& failure_domain);

// Creates what is missing of: each data pool's EC profile, the replicated index pool,
// each data pool (EC, cfg.pg_num PGs), application "silt" on each. Checks everything
// against the config before creating anything, so a conflict leaves the cluster as
// it was. InvalidArgument for a config init cannot serve (a pool without k and m, one
// RADOS pool named twice with different profiles) or a conflict with the cluster.
s3::Result<InitReport> init_pools(Connection& conn, const RadosConfig& cfg);

}  // namespace silt::rados
