#include "lifecycle/worker.h"

#include <spdlog/spdlog.h>

#include "lifecycle/version_walk.h"
#include "util/time.h"

namespace silt::lifecycle {

Worker::Worker(ObjectLayer& objects, WorkerOptions opt)
    : objects_(objects), opt_(opt), objects_rate_(opt.objects_per_second), bytes_rate_(opt.bytes_per_second) {}

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

uint64_t Worker::request_pass(const std::string& bucket) {
  return scheduler_.request(bucket);
}

std::optional<Worker::Clock::time_point> Worker::step(std::optional<PassRequest> asked) {
  const auto interval = std::chrono::milliseconds(opt_.interval_ms);
  if (!planned_) {
    planned_ = true;
    // A pass cut short by a restart left cursors behind: resume it at once.
    bool resume = false;
    if (auto buckets = objects_.list_buckets())
      for (const auto& b : *buckets)
        if (auto c = objects_.get_bucket_config(b.name, kCursorDoc); c && *c) resume = true;
    next_auto_.reset();
    if (resume)
      next_auto_ = Clock::now();
    else if (opt_.interval_ms > 0)
      next_auto_ = Clock::now() + interval;
  }
  if (!asked && (!next_auto_ || Clock::now() < *next_auto_)) return next_auto_;
  const PassRequest run = asked ? *asked : PassRequest{scheduler_.next_id(), ""};
  PassStats pass = execute(run.id, run.bucket);
  if (scheduler_.stopping()) {
    passes_.abandon();
    return std::nullopt;  // unfinished: the cursors resume it after a restart
  }
  record(pass);
  spdlog::info(
      "lifecycle pass {}: {} versions scanned, {} expired, {} transitioned ({} bytes), {} uploads aborted, "
      "{} errors",
      pass.id, pass.objects_scanned, pass.expired, pass.transitioned, pass.bytes_transitioned, pass.aborted_uploads,
      pass.errors);
  next_auto_.reset();
  if (opt_.interval_ms > 0) next_auto_ = Clock::now() + interval;
  return next_auto_;
}

PassStats Worker::run_pass(const std::string& bucket) {
  PassStats p = execute(scheduler_.next_id(), bucket);
  record(p);
  return p;
}

PassStats Worker::execute(uint64_t id, const std::string& bucket) {
  PassStats p;
  p.id = id;
  p.bucket = bucket;
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
      if (scheduler_.stopping()) break;
      if (bucket.empty() || b.name == bucket) run_bucket(b.name, p);
    }
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

void Worker::run_bucket(const std::string& bucket, PassStats& pass) {
  auto doc = objects_.get_bucket_config(bucket, "lifecycle");
  auto cursor = objects_.get_bucket_config(bucket, kCursorDoc);
  if (!doc || !*doc) {
    if (cursor && *cursor) (void)objects_.delete_bucket_config(bucket, kCursorDoc);
    return;
  }
  auto config = parse_configuration(**doc, [&](std::string_view c) { return objects_.has_storage_class(c); });
  if (!config) {
    note_error(pass, bucket + ": stored lifecycle configuration no longer valid: " + config.error().message);
    return;
  }
  auto info = objects_.head_bucket(bucket);
  if (!info) return;  // deleted meanwhile
  const bool versioned = info->versioning != Versioning::Unversioned;
  const int64_t now = now_ms();

  WalkOptions opt;
  if (cursor && *cursor) opt.start_after_key = **cursor;
  opt.after_page = [&](const std::string& done_key) {
    // Persisted so that a restart resumes here rather than from the start.
    if (!done_key.empty()) (void)objects_.put_bucket_config(bucket, kCursorDoc, done_key);
    {
      std::lock_guard lock(mu_);
      cursors_[bucket] = done_key;
    }
    passes_.publish(pass);
    return !scheduler_.stopping();
  };
  auto walked = walk_versions(objects_, bucket, versioned, opt, [&](const ObjectInfo& v, const ObjectState& s) {
    if (scheduler_.stopping()) return false;
    objects_rate_.acquire(1, scheduler_.stopping());
    ++pass.objects_scanned;
    Action a = evaluate(*config, s, now, opt_.day_ms);
    if (a.kind != ActionKind::None) act(bucket, v, a, pass);
    // Progress for status(): after every action (they are slow), else now and then.
    if (a.kind != ActionKind::None || pass.objects_scanned % 256 == 0) passes_.publish(pass);
    return true;
  });
  if (!walked) {
    note_error(pass, bucket + ": " + walked.error().message);
    return;
  }
  if (!*walked) return;  // stopping: keep the cursor
  abort_uploads(bucket, *config, now, pass);
  (void)objects_.delete_bucket_config(bucket, kCursorDoc);
  std::lock_guard lock(mu_);
  cursors_.erase(bucket);
}

void Worker::act(const std::string& bucket, const ObjectInfo& v, const Action& a, PassStats& pass) {
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
      if (scheduler_.stopping()) return;
      if (!abort_due(config, u.key, u.initiated_ms, now, opt_.day_ms)) continue;
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
  // Rules come from the stored configurations, counters from this process's passes.
  std::map<std::string, std::map<std::string, RuleStats>> stats;
  std::map<std::string, std::string> cursors;
  {
    std::lock_guard lock(mu_);
    stats = rule_stats_;
    cursors = cursors_;
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
    BucketStatus bs{b.name, cursors[b.name], {}};
    for (const auto& r : config->rules) bs.rules.push_back({r.id, r.enabled, stats[b.name][r.id]});
    out.buckets.push_back(std::move(bs));
  }
  return out;
}

}  // namespace silt::lifecycle
