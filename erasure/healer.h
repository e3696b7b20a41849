// The healer: one background thread that keeps the drives whole.
//  - Watches the drives (Drive::check) every few seconds: one found empty is
//    formatted again and marked healing, one that holds another drive is
//    taken offline.
//  - Repairs the versions on the repair queue (readers and writers put the
//    degraded ones there).
//  - Rebuilds a healing drive completely: a pass over every version that
//    rewrites the shards the drive lacks, then clears its healing mark.
//  - Runs a heal pass when asked (`silt admin heal`): every shard of every
//    version read and checked, bad ones rebuilt.
//  - Scrubs: every so often, the same deep pass at a limited byte rate, so
//    bitrot in data nobody reads is found and repaired too.
// Everything runs on the one thread, so two repairs of one version never race.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "object/object_layer.h"
#include "util/rate_limiter.h"

namespace silt {

class ErasureObjectLayer;
struct ErasureSet;
struct ObjectRecord;
struct HealReport;

struct HealerOptions {
  int64_t monitor_interval_ms = 10000;                 // between drive checks
  int64_t scrub_interval_ms = 7 * 24 * 3600 * 1000LL;  // between scrub passes; 0: never
  double scrub_bytes_per_second = 32.0 * (1 << 20);    // logical bytes verified per second; <= 0: unlimited
};

struct HealPass {
  uint64_t id = 0;     // heal and rebuild passes; scrubs count separately
  std::string kind;    // "heal" (asked for), "rebuild" (a drive to refill), "scrub"
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

class Healer {
 public:
  Healer(ErasureObjectLayer& layer, HealerOptions opt);
  ~Healer();
  Healer(const Healer&) = delete;
  Healer& operator=(const Healer&) = delete;

  void start();
  void stop();
  // A deep heal pass over one bucket (empty: all), run next; returns its id.
  uint64_t request_pass(const std::string& bucket = {});
  // On this thread (tests; the background thread must not run).
  HealPass run_pass(const std::string& kind, const std::string& bucket = {});
  void check_drives();
  // Repairs what is on the queue now; returns how many entries it took off.
  size_t drain_queue();

  // docs/admin-api.md: heal/status
  nlohmann::json status();
  // docs/admin-api.md: status (drives, pools, healing backlog)
  nlohmann::json cluster_status();

 private:
  void loop();
  HealPass execute(uint64_t id, const std::string& kind, const std::string& bucket);
  void heal_one(const ObjectRecord& rec, bool deep, HealPass& pass);
  void note_error(HealPass& pass, const std::string& what);
  void publish(const HealPass& pass);
  bool any_drive_healing();

  ErasureObjectLayer& layer_;
  ErasureSet& set_;
  HealerOptions opt_;
  RateLimiter scrub_rate_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  uint64_t next_id_ = 1;
  std::optional<std::string> requested_;
  uint64_t requested_id_ = 0;
  std::optional<HealPass> current_;
  std::optional<HealPass> last_;
  std::optional<HealPass> scrub_current_;
  std::optional<HealPass> scrub_last_;
  uint64_t queue_healed_ = 0;  // versions repaired off the queue since start
  uint64_t queue_lost_ = 0;
};

// The healer of an erasure object layer; null for any other layer.
std::unique_ptr<Healer> make_healer(ObjectLayer& layer, HealerOptions opt);

}  // namespace silt
