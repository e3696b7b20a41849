// What the drives and pools of an erasure set are doing now, as Maintenance reports it
// (object/maintenance.h). Drive states are atomics the healer keeps, so pool_status
// never blocks and may run on an io thread (the health probes); drive_status asks each
// drive's file system for its size.
#pragma once

#include <vector>

#include "object/maintenance.h"

namespace silt {

struct ErasureSet;

std::vector<PoolStatus> pool_status(const ErasureSet& set);
std::vector<DriveStatus> drive_status(const ErasureSet& set);

}  // namespace silt
