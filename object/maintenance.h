// What the server needs to know of storage health, whatever the backend: the state of
// each pool and drive (the health probes' quorum check, the admin status call, the
// metrics), the heal and scrub passes, and a way to ask for a heal pass. A backend that
// keeps its own data whole implements it; the composition root hands the server a
// Maintenance* (null for a backend with none). Typed structs, so a renamed field is a
// compile error in every renderer (admin JSON, Prometheus, console) rather than a zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace silt {

// Online: serves reads and writes. Healing: takes writes, but is missing data being
// restored. Offline: not used.
enum class DriveHealth { Online, Healing, Offline };
inline constexpr DriveHealth kDriveHealths[] = {DriveHealth::Online, DriveHealth::Healing, DriveHealth::Offline};

// "online", "healing", "offline": the admin API's and the metrics' word for it.
constexpr std::string_view drive_health_name(DriveHealth h) {
  switch (h) {
    case DriveHealth::Online: return "online";
    case DriveHealth::Healing: return "healing";
    case DriveHealth::Offline: return "offline";
  }
  return "offline";
}

struct DriveStatus {
  int slot = 0;  // 1-based position in the set
  std::string path;
  DriveHealth health = DriveHealth::Online;
  std::string reason;  // why it is healing or offline
  std::string drive_id;
  std::vector<std::string> pools;       // the pools it serves
  std::optional<uint64_t> total_bytes;  // of its file system; nullopt when it cannot be asked
  std::optional<uint64_t> free_bytes;   // available to silt
};

struct PoolStatus {
  std::string name;
  int k = 0;  // shards a read needs
  int m = 0;  // parity shards
  int drives = 0;
  int online = 0;
  int healing = 0;
  int offline = 0;
  int write_quorum = 0;  // shards a write must land
  std::vector<std::string> storage_classes;
  bool default_pool = false;  // where STANDARD objects go
  // Reads need k drives that have the data; writes a quorum that takes shards.
  bool readable() const { return online + healing >= k; }
  bool writable() const { return online + healing >= write_quorum; }
};

// Heal: asked for (`silt admin heal`). Rebuild: refills a healing drive. Scrub: the
// periodic deep pass at a limited byte rate.
enum class HealKind { Heal, Rebuild, Scrub };

constexpr std::string_view heal_kind_name(HealKind k) {
  switch (k) {
    case HealKind::Heal: return "heal";
    case HealKind::Rebuild: return "rebuild";
    case HealKind::Scrub: return "scrub";
  }
  return "heal";
}

struct HealPass {
  uint64_t id = 0;  // heal and rebuild passes; scrubs count separately (0)
  HealKind kind = HealKind::Heal;
  std::string bucket;  // empty: every bucket
  int64_t started_ms = 0;
  int64_t finished_ms = 0;  // 0 while running
  uint64_t objects_scanned = 0;
  uint64_t objects_total = 0;
  uint64_t bytes_scanned = 0;  // logical bytes of the versions scanned
  uint64_t bytes_total = 0;
  uint64_t objects_healed = 0;
  uint64_t shards_repaired = 0;
  uint64_t shards_unavailable = 0;  // on offline drives
  uint64_t objects_lost = 0;        // fewer than k good shards
  uint64_t errors = 0;
  std::string last_error;
  bool cut_short = false;  // stopped before the end (shutdown, or a scrub giving way)
};

struct ScrubStatus {
  double interval_seconds = 0;  // between scrub passes; 0: never
  double bytes_per_second = 0;  // logical bytes verified per second; <= 0: unlimited
  std::optional<HealPass> current;
  std::optional<HealPass> last;
};

struct HealStatus {
  std::optional<HealPass> current;    // the heal or rebuild pass running
  std::optional<HealPass> last;       // the last one that ended
  std::optional<uint64_t> requested;  // id of a pass asked for that has not started
  uint64_t backlog = 0;               // versions waiting on the repair queue
  uint64_t queue_healed = 0;          // versions repaired off the queue since start
  uint64_t queue_lost = 0;            // versions off the queue found with fewer than k good shards
  ScrubStatus scrub;
};

class Maintenance {
 public:
  virtual ~Maintenance() = default;

  // One entry per pool. Never blocks (drive states are kept in memory), so the health
  // probes may call it on an io thread.
  virtual std::vector<PoolStatus> pool_status() = 0;
  // One entry per distinct drive. Blocking: asks each drive's file system for its size.
  virtual std::vector<DriveStatus> drive_status() = 0;
  // Blocking: counts the repair queue.
  virtual HealStatus heal_status() = 0;
  // Asks for a deep heal pass over one bucket (empty: every bucket), run next. While one
  // asked for has not started, asks join it (every bucket when they name different
  // ones). Returns the id the pass will have. The caller checks that the bucket exists.
  virtual uint64_t request_heal(const std::string& bucket) = 0;
};

}  // namespace silt
