#include "lifecycle/worker.h"

#include <spdlog/spdlog.h>

#include "lifecycle/version_walk.h"
#include "object/local_lease.h"
#include "util/time.h"

namespace silt::lifecycle {

namespace {

std::unique_ptr<BucketLeases> local_leases_for(ObjectLayer& objects) {
  if (objects.bucket_leases()) return nullptr;
  return std::make_unique<LocalBucketLeases>(objects);
}

std::optional<PassScheduler::Clock::time_point> earliest(std::optional<PassScheduler::Clock::time_point> a,
                                                         std::optional<PassScheduler::Clock::time_point> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

Worker::Worker(ObjectLayer& objects, WorkerOptions opt)
    : objects_(objects),
      opt_(std::move(opt)),
      local_leases_(local_leases_for(objects)),
      leases_(local_leases_ ? *local_leases_ : *objects.bucket_leases()),
      objects_rate_(opt_.objects_per_second),
      bytes_rate_(opt_.bytes_per_second) {}

Worker::~Worker() {
  stop();
}

void Worker::start() {
  if (scheduler_.running()) return;  // planned_ belongs to the thread now
  planned_ = false;
  scheduler_.start([this](std::optional<PassRequest> asked) { return step(std::move(asked)); });
}

void Worker::stop() {
  scheduler_.stop();
}

void Worker::pause(bool paused) {
  paused_.store(paused);
  if (paused) std::lock_guard wait(acting_);  // an action under way ends first
}

bool Worker::halted(PassStats& pass) {
  if (paused_.load()) pass.paused = true;
  return pass.paused || scheduler_.stopping();
}

uint64_t Worker::request_pass(const std::string& bucket) {
  return scheduler_.request(bucket);
}

std::optional<Worker::Clock::time_point> Worker::step(std::optional<PassRequest> asked) {
  const auto interval = std::chrono::milliseconds(opt_.interval_ms);
  if (!planned_) {
    planned_ = true;
    // A pass cut short by a restart (or, on a cluster, by any gateway's death) left
    // cursors behind: resume it at once; buckets whose lease is held are retried later.
    bool resume = false;
    if (auto buckets = objects_.list_buckets())
      for (const auto& b : *buckets)
        if (auto l = leases_.read(b.name); l && !l->cursor.empty()) resume = true;
    next_auto_.reset();
    if (resume)
      next_auto_ = Clock::now();
    else if (opt_.interval_ms > 0)
      next_auto_ = Clock::now() + interval;
  }
  const auto now = Clock::now();
  // Paused, only a pass asked for runs (and ends at once, marked paused, for its asker to
  // see); the timers wait, looked at again every second.
  const auto poll = now + std::chrono::seconds(1);
  if (!asked && paused_.load()) return poll;
  const bool auto_due = next_auto_ && now >= *next_auto_;
  const bool retry_due = retry_at_ && now >= *retry_at_;
  const bool resume_due = resume_after_pause_;
  if (!asked && !auto_due && !retry_due && !resume_due) return earliest(next_auto_, retry_at_);
  const PassRequest run = asked ? *asked : PassRequest{scheduler_.next_id(), ""};
  // A retry (nothing asked, no pass due) looks only at the buckets held elsewhere; a pass
  // over every bucket covers them too, and resumes the cursors a pause left.
  std::set<std::string> only;
  if (!asked && !auto_due && !resume_due) only = retry_buckets_;
  if (run.bucket.empty()) {
    retry_at_.reset();
    retry_buckets_.clear();
  }
  PassStats pass = execute(run.id, run.bucket, only);
  if (scheduler_.stopping()) {
    passes_.abandon();
    return std::nullopt;  // unfinished: the cursors resume it after a restart
  }
  record(pass);
  spdlog::info(
      "lifecycle pass {}: {} versions scanned, {} expired, {} transitioned ({} bytes), {} uploads aborted, "
      "{} buckets held by another gateway, {} errors{}",
      pass.id, pass.objects_scanned, pass.expired, pass.transitioned, pass.bytes_transitioned, pass.aborted_uploads,
      pass.buckets_held, pass.errors, pass.paused ? "; paused (the server is frozen), resumes when unfrozen" : "");
  // A pass over every bucket that was not cut short leaves no cursor of the pause behind.
  if (pass.paused)
    resume_after_pause_ = true;
  else if (run.bucket.empty() && only.empty())
    resume_after_pause_ = false;
  if (auto_due) {
    next_auto_.reset();
    if (opt_.interval_ms > 0) next_auto_ = Clock::now() + interval;
  }
  if (resume_after_pause_) return poll;
  return earliest(next_auto_, retry_at_);
}

void Worker::retry_later(const std::string& bucket, const LeaseState& held) {
  // The holder renews well before expires_ms while it lives; a second after it, a dead
  // holder's lease is free. Clocks of gateways differ a little: the worst is a retry
  // that finds the lease still held and is scheduled again.
  const int64_t wait_ms = held.expires_ms > 0 ? std::max<int64_t>(held.expires_ms - now_ms(), 0) : opt_.lease_ms;
  const auto at = Clock::now() + std::chrono::milliseconds(std::min(wait_ms, opt_.lease_ms) + 1000);
  retry_at_ = earliest(retry_at_, at);
  retry_buckets_.insert(bucket);
}

PassStats Worker::run_pass(const std::string& bucket) {
  PassStats p = execute(scheduler_.next_id(), bucket);
  record(p);
  return p;
}

PassStats Worker::execute(uint64_t id, const std::string& bucket, const std::set<std::string>& only) {
  PassStats p;
  p.id = id;
  p.bucket = bucket;
  // A retry names its buckets (never a comma in a bucket name), so it is no full pass.
  for (const auto& b : only) p.bucket += (p.bucket.empty() ? "" : ",") + b;
  {
    std::lock_guard lock(mu_);
    p.objects_total = last_full_scan_;
  }
  p.started_ms = now_ms();
  passes_.publish(p);
  auto buckets = objects_.list_buckets();
  if (!buckets) {
    note_error(p, buckets.error().message);
  } else {
    for (const auto& b : *buckets) {
      if (halted(p)) break;
      if (!only.empty()) {
        if (!only.count(b.name)) continue;
        retry_buckets_.erase(b.name);
        run_bucket(b.name, p, true);
      } else if (bucket.empty() || b.name == bucket) {
        run_bucket(b.name, p, false);
      }
    }
    if (!only.empty() && retry_buckets_.empty()) retry_at_.reset();
  }
  p.finished_ms = now_ms();
  return p;
}

void Worker::record(const PassStats& pass) {
  {
    std::lock_guard lock(mu_);
    if (pass.bucket.empty()) last_full_scan_ = pass.objects_scanned;
  }
  passes_.finish(pass);
}

void Worker::note_error(PassStats& pass, const std::string& what) {
  ++pass.errors;
  pass.last_error = what;
  spdlog::warn("lifecycle: {}", what);
}

void Worker::run_bucket(const std::string& bucket, PassStats& pass, bool resume_only) {
  auto doc = objects_.get_bucket_config(bucket, "lifecycle");
  if (!doc || !*doc) {
    // Rules removed during a pass: its cursor must not skip keys of a later one.
    if (auto held = leases_.read(bucket); held && !held->cursor.empty() && held->holder.empty())
      if (auto lease = leases_.take(bucket, opt_.holder, opt_.lease_ms, nullptr); lease && *lease) (*lease)->finish();
    return;
  }
  auto config = parse_configuration(**doc, [&](std::string_view c) { return objects_.has_storage_class(c); });
  if (!config) {
    note_error(pass, bucket + ": stored lifecycle configuration no longer valid: " + config.error().message);
    return;
  }
  auto info = objects_.head_bucket(bucket);
  if (!info) return;  // deleted meanwhile
  LeaseState held;
  auto taken = leases_.take(bucket, opt_.holder, opt_.lease_ms, &held);
  if (!taken) {
    if (taken.error().code != s3::Code::NoSuchBucket) note_error(pass, bucket + ": lease: " + taken.error().message);
    return;
  }
  if (!*taken) {
    ++pass.buckets_held;
    spdlog::info("lifecycle: bucket {} is held by {}: skipped", bucket, held.holder);
    retry_later(bucket, held);
    return;
  }
  BucketLease& lease = **taken;
  // A retry finding the lease free and no cursor: its holder finished the pass.
  if (resume_only && lease.taken().cursor.empty()) return lease.release();
  const bool versioned = info->versioning != Versioning::Unversioned;
  const int64_t now = now_ms();
  uint64_t scanned = lease.taken().scanned;  // of the whole pass, over every holder

  WalkOptions opt;
  opt.page_size = opt_.page_versions;
  opt.start_after_key = lease.taken().cursor;
  if (!opt.start_after_key.empty())
    spdlog::info("lifecycle: bucket {}: resuming after {} ({} versions scanned before)", bucket, opt.start_after_key,
                 scanned);
  bool lost = false;
  opt.after_page = [&](const std::string& done_key) {
    // Saved with the lease, so that whoever takes it next resumes here.
    if (!lease.save(done_key, scanned)) lost = true;
    passes_.publish(pass);
    return !lost && !halted(pass);
  };
  auto walked = walk_versions(objects_, bucket, versioned, opt, [&](const ObjectInfo& v, const ObjectState& s) {
    if (halted(pass)) return false;
    objects_rate_.acquire(1, scheduler_.stopping());
    // A lease lost (this gateway stalled past it): another may be working here now.
    if (!lease.keep()) {
      lost = true;
      return false;
    }
    ++pass.objects_scanned;
    ++scanned;
    Action a = evaluate(*config, s, now, opt_.day_ms);
    if (a.kind != ActionKind::None) {
      std::lock_guard acting(acting_);
      if (halted(pass)) return false;  // paused meanwhile: this action must not start
      act(bucket, v, a, pass, lease);
    }
    // Progress for status(): after every action (they are slow), else now and then.
    if (a.kind != ActionKind::None || pass.objects_scanned % 256 == 0) passes_.publish(pass);
    return true;
  });
  if (!walked) {
    note_error(pass, bucket + ": " + walked.error().message);
    return;
  }
  if (lost) return note_error(pass, bucket + ": lifecycle lease lost; the next holder resumes from the cursor");
  if (!*walked) return;  // stopping or paused: the lease is released, the cursor kept
  abort_uploads(bucket, *config, now, pass);
  if (halted(pass)) return;
  lease.finish();
}

void Worker::act(const std::string& bucket, const ObjectInfo& v, const Action& a, PassStats& pass, BucketLease& lease) {
  const std::string what = bucket + "/" + v.key + " (" + v.version_id + ")";
  switch (a.kind) {
    case ActionKind::Expire: {
      // Only while the listed version is still the current one: a newer write wins.
      const IfCurrent same{v.version_id, v.etag, v.mtime_ms};
      if (auto d = objects_.delete_object(bucket, v.key, {}, &same); !d) {
        if (d.error().code == s3::Code::PreconditionFailed) return;
        return note_error(pass, "expire " + what + ": " + d.error().message);
      }
      break;
    }
    case ActionKind::DeleteVersion:
      if (auto d = objects_.delete_object(bucket, v.key, v.version_id); !d) {
        // Object Lock keeps the version until its date passes: a later pass expires it.
        if (d.error().code == s3::Code::AccessDenied) return;
        return note_error(pass, "delete " + what + ": " + d.error().message);
      }
      break;
    case ActionKind::Transition: {
      auto moved = objects_.transition_object(bucket, v.key, v.version_id, a.storage_class, [&](uint64_t n) {
        bytes_rate_.acquire(static_cast<double>(n), scheduler_.stopping());
        (void)lease.keep();  // a long copy must not let the lease lapse; a lost one shows at the next version
      });
      if (!moved) {
        // Overwritten or deleted meanwhile: the newer state wins, nothing to do.
        if (moved.error().code == s3::Code::NoSuchKey || moved.error().code == s3::Code::NoSuchVersion) return;
        return note_error(pass, "transition " + what + " to " + a.storage_class + ": " + moved.error().message);
      }
      ++pass.transitioned;
      pass.bytes_transitioned += *moved;
      std::lock_guard lock(mu_);
      auto& r = rule_stats_[bucket][a.rule_id];
      ++r.transitioned;
      r.bytes_transitioned += *moved;
      return;
    }
    case ActionKind::None: return;
  }
  ++pass.expired;
  std::lock_guard lock(mu_);
  ++rule_stats_[bucket][a.rule_id].expired;
}

void Worker::abort_uploads(const std::string& bucket, const Configuration& config, int64_t now, PassStats& pass) {
  UploadListParams p;
  for (;;) {
    auto list = objects_.list_uploads(bucket, p);
    if (!list) return note_error(pass, bucket + ": listing uploads: " + list.error().message);
    for (const auto& u : list->uploads) {
      if (halted(pass)) return;
      if (!abort_due(config, u.key, u.initiated_ms, now, opt_.day_ms)) continue;
      std::lock_guard acting(acting_);
      if (halted(pass)) return;
      if (auto s = objects_.abort_upload(bucket, u.key, u.upload_id); !s) {
        if (s.error().code != s3::Code::NoSuchUpload)
          note_error(pass, "abort upload " + u.upload_id + ": " + s.error().message);
        continue;
      }
      ++pass.aborted_uploads;
    }
    if (!list->truncated) return;
    p.key_marker = list->next_key_marker;
    p.upload_id_marker = list->next_upload_id_marker;
  }
}

WorkerStatus Worker::status() {
  // Rules come from the stored configurations, counters from this process's passes,
  // leases and cursors from where the backend keeps them (the cluster on RADOS).
  std::map<std::string, std::map<std::string, RuleStats>> stats;
  {
    std::lock_guard lock(mu_);
    stats = rule_stats_;
  }
  WorkerStatus out;
  auto passes = passes_.view();
  out.current = std::move(passes.current);
  out.last = std::move(passes.last);
  auto buckets = objects_.list_buckets();
  if (!buckets) return out;
  for (const auto& b : *buckets) {
    auto doc = objects_.get_bucket_config(b.name, "lifecycle");
    if (!doc || !*doc) continue;
    auto config = parse_configuration(**doc, [&](std::string_view c) { return objects_.has_storage_class(c); });
    if (!config) continue;
    BucketStatus bs{b.name, {}, {}};
    if (auto l = leases_.read(b.name)) bs.lease = std::move(*l);
    for (const auto& r : config->rules) bs.rules.push_back({r.id, r.enabled, stats[b.name][r.id]});
    out.buckets.push_back(std::move(bs));
  }
  return out;
}

}  // namespace silt::lifecycle
