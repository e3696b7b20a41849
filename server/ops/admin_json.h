// The admin API's JSON bodies (docs/admin-api.md), rendered from the typed status the
// storage backend (object/maintenance.h) and the lifecycle worker report. The field
// names and values are the API: `silt admin` and the console read them.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "common/object_model.h"
#include "lifecycle/usage.h"
#include "lifecycle/worker.h"
#include "object/cluster_status.h"
#include "object/maintenance.h"
#include "server/ops/usage_check.h"

namespace silt::server {

// heal/status
nlohmann::json heal_status_json(const HealStatus& heal);
// status: drives, pools and a summary of healing
nlohmann::json cluster_status_json(const std::vector<DriveStatus>& drives, const std::vector<PoolStatus>& pools,
                                   const HealStatus& heal);
// status on a storage cluster (RADOS): {"backend": "rados", "cluster": {...}, "drives": [],
// "pools": []}, the cluster part as the console's cluster panel reads it
nlohmann::json cluster_state_json(const ClusterState& state);
// usage's "cluster" part: per RADOS data pool, what the index says silt stores there beside
// what the cluster says the pool stores, the difference and its verdict (server/ops/usage_check.h;
// docs/cluster.md, "Usage against the pools")
nlohmann::json usage_cross_check_json(const std::vector<PoolUsageCheck>& checks);
// lifecycle/status
nlohmann::json lifecycle_status_json(const lifecycle::WorkerStatus& status);
// usage: the pools, each bucket per storage class, and the totals
nlohmann::json usage_json(const std::vector<PoolInfo>& pools, const std::vector<lifecycle::BucketUsage>& usage);
// lifecycle/simulate
nlohmann::json simulation_json(const lifecycle::Simulation& sim);

}  // namespace silt::server
