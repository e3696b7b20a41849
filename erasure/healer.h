// The healer: one background thread that keeps the drives whole, and the erasure
// backend's Maintenance (object/maintenance.h).
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
//  - Reclaims the dead space of segment files (erasure/segment_reclaim.h): once
//    after start (with the sweep of torn tails), whenever deletes and
//    overwrites made a quarter of a segment's worth dead, and after every
//    whole heal pass.
// Everything runs on the one thread (util/pass_scheduler.h), so two repairs of one
// version never race.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "object/maintenance.h"
#include "util/pass_scheduler.h"
#include "util/rate_limiter.h"

namespace silt {

class ErasureObjectLayer;
struct ErasureSet;
struct ObjectRecord;

struct HealerOptions {
  int64_t monitor_interval_ms = 10000;                 // between drive checks
  int64_t scrub_interval_ms = 7 * 24 * 3600 * 1000LL;  // between scrub passes; 0: never
  double scrub_bytes_per_second = 32.0 * (1 << 20);    // logical bytes verified per second; <= 0: unlimited
};

class Healer final : public Maintenance {
 public:
  // Built by the composition root, which knows it opened an erasure layer; the thread
  // runs from start() to stop().
  Healer(ErasureObjectLayer& layer, HealerOptions opt);
  ~Healer() override;
  Healer(const Healer&) = delete;
  Healer& operator=(const Healer&) = delete;

  // Starts the thread (nothing when it runs); stop() ends a pass in progress, cut short,
  // and joins it.
  void start();
  void stop();

  // Maintenance (object/maintenance.h).
  std::vector<PoolStatus> pool_status() override;
  std::vector<DriveStatus> drive_status() override;
  HealStatus heal_status() override;
  uint64_t request_heal(const std::string& bucket) override;

  // On this thread (tests; the background thread must not run). A scrub gets id 0.
  HealPass run_pass(HealKind kind, const std::string& bucket = {});
  void check_drives();
  // Repairs what is on the queue now; returns how many entries it took off.
  size_t drain_queue();
  // One reclaim pass over the segment files; sweep: also cut torn tails.
  void reclaim(bool sweep);

 private:
  using Clock = PassScheduler::Clock;
  // One wake-up of the thread (PassScheduler::Step): drive checks, then the first of an
  // asked-for heal pass, a rebuild, the repair queue and a due scrub.
  std::optional<Clock::time_point> step(std::optional<PassRequest> asked);
  HealPass execute(uint64_t id, HealKind kind, const std::string& bucket);
  void heal_one(const ObjectRecord& rec, bool deep, HealPass& pass);
  void note_error(HealPass& pass, const std::string& what);
  PassTrack<HealPass>& track(HealKind kind) { return kind == HealKind::Scrub ? scrubs_ : heals_; }
  bool any_drive_healing();

  ErasureObjectLayer& layer_;
  ErasureSet& set_;
  HealerOptions opt_;
  RateLimiter scrub_rate_;
  PassTrack<HealPass> heals_;   // heal and rebuild passes
  PassTrack<HealPass> scrubs_;  // scrub passes
  // The step's timers; only the thread touches them.
  Clock::time_point next_check_{};
  Clock::time_point next_scrub_{};
  Clock::time_point next_rebuild_{};
  bool swept_ = false;       // the reclaim pass after start ran
  uint64_t dead_bytes_ = 0;  // made dead since the last reclaim (SegmentStore::take_dead)

  std::mutex mu_;              // guards the two counters
  uint64_t queue_healed_ = 0;  // versions repaired off the queue since start
  uint64_t queue_lost_ = 0;
  PassScheduler scheduler_;  // last: its thread stops before the members above go
};

}  // namespace silt
