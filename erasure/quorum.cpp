#include "erasure/quorum.h"

#include <sys/statvfs.h>

#include <map>
#include <string>

#include "erasure/erasure_set.h"
#include "erasure/pool.h"

namespace silt {

namespace {

DriveHealth health_of(DriveState s) {
  switch (s) {
    case DriveState::Online: return DriveHealth::Online;
    case DriveState::Healing: return DriveHealth::Healing;
    case DriveState::Offline: return DriveHealth::Offline;
  }
  return DriveHealth::Offline;
}

}  // namespace

std::vector<PoolStatus> pool_status(const ErasureSet& set) {
  std::vector<PoolStatus> out;
  const Pool* standard = set.pool_for_class("STANDARD");
  for (const auto& p : set.pools) {
    PoolStatus s;
    s.name = p->name;
    s.k = p->k();
    s.m = p->m();
    s.drives = static_cast<int>(p->drives.size());
    for (const auto& d : p->drives) {
      switch (d.state()) {
        case DriveState::Online: ++s.online; break;
        case DriveState::Healing: ++s.healing; break;
        case DriveState::Offline: ++s.offline; break;
      }
    }
    s.write_quorum = p->write_quorum();
    for (const auto& [cls, pool] : set.classes)
      if (pool == p.get()) s.storage_classes.push_back(cls);
    s.default_pool = p.get() == standard;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<DriveStatus> drive_status(const ErasureSet& set) {
  // Distinct drives, each with the pools that use it.
  std::map<std::string, std::vector<std::string>> pools_of;
  for (const auto& p : set.pools)
    for (const auto& d : p->drives) pools_of[d.root()].push_back(p->name);
  std::vector<DriveStatus> out;
  for (const Drive* d : set.all_drives()) {
    DriveStatus s;
    s.slot = d->index() + 1;
    s.path = d->root();
    s.health = health_of(d->state());
    s.reason = d->reason();
    s.drive_id = d->format().drive_id;
    s.pools = pools_of[d->root()];
    struct statvfs st {};
    if (::statvfs(d->root().c_str(), &st) == 0) {
      s.total_bytes = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
      s.free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace silt
