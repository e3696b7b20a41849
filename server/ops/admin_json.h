// The admin API's JSON bodies (docs/admin-api.md), rendered from the typed status the
// storage backend (object/maintenance.h) and the lifecycle worker report. The field
// names and values are the API: `silt admin` and the console read them.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "common/object_model.h"
#include "lifecycle/usage.h"
#include "lifecycle/worker.h"
#include "object/maintenance.h"

namespace silt::server {

// heal/status
nlohmann::json heal_status_json(const HealStatus& heal);
// status: drives, pools and a summary of healing
nlohmann::json cluster_status_json(const std::vector<DriveStatus>& drives, const std::vector<PoolStatus>& pools,
                                   const HealStatus& heal);
// lifecycle/status
nlohmann::json lifecycle_status_json(const lifecycle::WorkerStatus& status);
// usage: the pools, each bucket per storage class, and the totals
nlohmann::json usage_json(const std::vector<PoolInfo>& pools, const std::vector<lifecycle::BucketUsage>& usage);
// lifecycle/simulate
nlohmann::json simulation_json(const lifecycle::Simulation& sim);

}  // namespace silt::server
