#include "erasure/healer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>

#include "erasure/erasure_object_layer.h"
#include "erasure/heal_object.h"
#include "erasure/quorum.h"
#include "erasure/segment_reclaim.h"
#include "erasure/segment_store.h"
#include "erasure/sys_mirror.h"
#include "object/version_walk.h"
#include "util/time.h"

namespace silt {

namespace {

// Every version (delete markers included: they have data dirs too) of one bucket or all.
// visit returns false to stop early.
s3::Status walk(ObjectLayer& objects, const std::string& only, const std::function<bool(const ObjectInfo&)>& visit) {
  std::vector<std::string> buckets;
  if (!only.empty()) {
    buckets.push_back(only);
  } else {
    auto all = objects.list_buckets();
    if (!all) return all.error();
    for (const auto& b : *all) buckets.push_back(b.name);
  }
  for (const auto& bucket : buckets) {
    auto walked = for_each_version(objects, bucket, visit);
    if (!walked) {
      if (walked.error().code == s3::Code::NoSuchBucket) continue;  // deleted meanwhile
      return walked.error();
    }
    if (!*walked) return {};
  }
  return {};
}

}  // namespace

Healer::Healer(ErasureObjectLayer& layer, HealerOptions opt)
    : layer_(layer), set_(layer.set()), opt_(opt), scrub_rate_(opt.scrub_bytes_per_second) {}

Healer::~Healer() {
  stop();
}

void Healer::start() {
  if (scheduler_.running()) return;  // the timers belong to the thread now
  next_check_ = Clock::now();
  next_scrub_ = Clock::now() + std::chrono::milliseconds(opt_.scrub_interval_ms);
  next_rebuild_ = Clock::now();
  scheduler_.start([this](std::optional<PassRequest> asked) { return step(std::move(asked)); });
}

void Healer::stop() {
  scheduler_.stop();
}

uint64_t Healer::request_heal(const std::string& bucket) {
  return scheduler_.request(bucket);
}

HealPass Healer::run_pass(HealKind kind, const std::string& bucket) {
  return execute(kind == HealKind::Scrub ? 0 : scheduler_.next_id(), kind, bucket);
}

bool Healer::any_drive_healing() {
  for (const Drive* d : set_.all_drives())
    if (d->state() == DriveState::Healing) return true;
  return false;
}

void Healer::check_drives() {
  for (const Drive* d : set_.all_drives()) {
    DriveState before = d->state();
    DriveState now = d->check();
    if (now != before)
      spdlog::warn("drive {} is {} (was {}){}", d->root(), drive_state_name(now), drive_state_name(before),
                   d->reason().empty() ? "" : ": " + d->reason());
  }
}

size_t Healer::drain_queue() {
  auto items = set_.index->heal_items(100);
  if (!items) {
    spdlog::error("heal queue: {}", items.error().message);
    return 0;
  }
  size_t taken = 0;
  for (const auto& item : *items) {
    if (scheduler_.stopping()) break;
    auto rec = set_.index->get_version(item.bucket, item.key, item.version_id);
    if (rec) {
      auto r = heal_version(set_, *rec, /*deep=*/true, /*repair=*/true);
      if (!r) {  // e.g. a drive failing while we write: try again later
        spdlog::warn("cannot heal {}/{} ({}): {}", item.bucket, item.key, item.version_id, r.error().message);
        break;
      }
      std::lock_guard lock(mu_);
      if (r->lost) {
        ++queue_lost_;
        spdlog::error("{}/{} ({}) has fewer good shards than it needs: {}", item.bucket, item.key, item.version_id,
                      r->problem);
      } else if (r->shards_repaired > 0) {
        ++queue_healed_;
        spdlog::info("healed {}/{} ({}): {} shards rebuilt", item.bucket, item.key, item.version_id,
                     r->shards_repaired);
      }
    }
    if (auto s = set_.index->drop_heal(item); !s) break;
    set_.healed(item);
    ++taken;
  }
  return taken;
}

std::optional<Healer::Clock::time_point> Healer::step(std::optional<PassRequest> asked) {
  if (Clock::now() >= next_check_) {
    check_drives();
    next_check_ = Clock::now() + std::chrono::milliseconds(opt_.monitor_interval_ms);
  }
  if (asked) {
    execute(asked->id, HealKind::Heal, asked->bucket);
    if (asked->bucket.empty()) reclaim(false);
    return Clock::now();
  }
  for (const Drive* d : set_.all_drives()) dead_bytes_ += set_.segments.store(d->root()).take_dead();
  if (!swept_ || dead_bytes_ >= set_.segments.target() / 4) {
    reclaim(!swept_);
    return Clock::now();
  }
  if (any_drive_healing() && Clock::now() >= next_rebuild_) {
    HealPass p = execute(scheduler_.next_id(), HealKind::Rebuild, "");
    // Failed passes leave the marks; try again a little later.
    if (p.errors || p.objects_lost || p.cut_short) next_rebuild_ = Clock::now() + std::chrono::seconds(30);
    return Clock::now();
  }
  if (drain_queue() > 0) return Clock::now();
  if (opt_.scrub_interval_ms > 0 && Clock::now() >= next_scrub_) {
    execute(0, HealKind::Scrub, "");
    next_scrub_ = Clock::now() + std::chrono::milliseconds(opt_.scrub_interval_ms);
    return Clock::now();
  }
  // Idle: the queue is looked at again within a second.
  auto until = std::min(next_check_, Clock::now() + std::chrono::seconds(1));
  if (opt_.scrub_interval_ms > 0) until = std::min(until, next_scrub_);
  return until;
}

HealPass Healer::execute(uint64_t id, HealKind kind, const std::string& bucket) {
  HealPass pass;
  pass.id = id;
  pass.kind = kind;
  pass.bucket = bucket;
  pass.started_ms = now_ms();
  const bool scrub = kind == HealKind::Scrub;
  const bool deep = kind != HealKind::Rebuild;
  const std::atomic<bool>& stopping = scheduler_.stopping();
  PassTrack<HealPass>& progress = track(kind);
  // Drives healing when the pass starts are whole once it ends without trouble.
  std::vector<const Drive*> healing;
  for (const Drive* d : set_.all_drives())
    if (d->state() == DriveState::Healing) healing.push_back(d);
  spdlog::info("{} pass {} started{}", heal_kind_name(kind), id, bucket.empty() ? "" : " on bucket " + bucket);

  // Counting first gives the progress bar its total; the index walk is cheap next to reading the data.
  auto counted = walk(layer_, bucket, [&](const ObjectInfo& v) {
    ++pass.objects_total;
    pass.bytes_total += v.size;
    return !stopping;
  });
  if (!counted) note_error(pass, counted.error().message);
  progress.publish(pass);
  auto last_publish = Clock::now();
  auto walked = walk(layer_, bucket, [&](const ObjectInfo& v) {
    // A heal someone asked for goes before a scrub; the next scrub starts over.
    if (stopping || (scrub && scheduler_.pending())) {
      pass.cut_short = true;
      return false;
    }
    if (scrub) scrub_rate_.acquire(static_cast<double>(v.size), stopping);
    auto rec = set_.index->get_version(v.bucket, v.key, v.version_id);
    if (rec) heal_one(*rec, deep, pass);  // else deleted meanwhile
    ++pass.objects_scanned;
    pass.bytes_scanned += v.size;
    if (Clock::now() - last_publish > std::chrono::milliseconds(200)) {
      progress.publish(pass);
      last_publish = Clock::now();
    }
    return true;
  });
  if (!walked) note_error(pass, walked.error().message);
  if (!pass.cut_short && pass.errors == 0 && pass.objects_lost == 0 && bucket.empty()) {
    for (const Drive* d : healing) {
      if (auto s = restore_mirror(set_, *d); !s) {
        note_error(pass, d->root() + ": " + s.error().message);
      } else if (auto s = d->finish_healing(); !s) {
        note_error(pass, s.error().message);
      } else {
        spdlog::info("drive {} is whole again", d->root());
      }
    }
  }
  pass.finished_ms = now_ms();
  spdlog::info("{} pass {} {}: {} versions, {} shards repaired, {} lost, {} errors", heal_kind_name(kind), id,
               pass.cut_short ? "cut short" : "finished", pass.objects_scanned, pass.shards_repaired, pass.objects_lost,
               pass.errors);
  progress.finish(pass);
  return pass;
}

void Healer::heal_one(const ObjectRecord& rec, bool deep, HealPass& pass) {
  auto r = heal_version(set_, rec, deep, /*repair=*/true);
  if (!r) return note_error(pass, rec.info.bucket + "/" + rec.info.key + ": " + r.error().message);
  pass.shards_repaired += r->shards_repaired;
  pass.shards_unavailable += r->shards_unavailable;
  if (r->shards_repaired > 0) ++pass.objects_healed;
  if (r->lost) {
    ++pass.objects_lost;
    note_error(pass, "lost: " + r->problem);
  }
}

void Healer::reclaim(bool sweep) {
  swept_ = swept_ || sweep;
  dead_bytes_ = 0;
  ReclaimOptions opt;
  opt.sweep_tails = sweep;
  auto r = reclaim_segments(set_, opt);
  if (!r) return spdlog::warn("segment reclaim: {}", r.error().message);
  if (r->segments_removed || r->tails_truncated || r->segments_kept)
    spdlog::info(
        "segment reclaim: {} of {} sealed segments removed, {} shards moved, {} torn tails cut, {} kept, "
        "{} bytes freed",
        r->segments_removed, r->segments_sealed, r->entries_moved, r->tails_truncated, r->segments_kept,
        r->bytes_freed);
}

void Healer::note_error(HealPass& pass, const std::string& what) {
  ++pass.errors;
  pass.last_error = what;
  spdlog::warn("{} pass {}: {}", heal_kind_name(pass.kind), pass.id, what);
}

std::vector<PoolStatus> Healer::pool_status() {
  return silt::pool_status(set_);
}

std::vector<DriveStatus> Healer::drive_status() {
  return silt::drive_status(set_);
}

HealStatus Healer::heal_status() {
  HealStatus s;
  auto backlog = set_.index->heal_backlog();
  s.backlog = backlog ? *backlog : 0;
  auto heals = heals_.view();
  s.current = std::move(heals.current);
  s.last = std::move(heals.last);
  s.requested = scheduler_.pending();
  {
    std::lock_guard lock(mu_);
    s.queue_healed = queue_healed_;
    s.queue_lost = queue_lost_;
  }
  auto scrubs = scrubs_.view();
  s.scrub.interval_seconds = opt_.scrub_interval_ms / 1000.0;
  s.scrub.bytes_per_second = opt_.scrub_bytes_per_second;
  s.scrub.current = std::move(scrubs.current);
  s.scrub.last = std::move(scrubs.last);
  return s;
}

}  // namespace silt
