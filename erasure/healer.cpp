#include "erasure/healer.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <chrono>
#include <map>
#include <set>

#include "erasure/erasure_object_layer.h"
#include "erasure/heal_object.h"
#include "erasure/sys_mirror.h"
#include "util/time.h"

namespace silt {

namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json pass_json(const std::optional<HealPass>& p) {
  if (!p) return nullptr;
  return {{"id", p->id},
          {"kind", p->kind},
          {"bucket", p->bucket},
          {"started_ms", p->started_ms},
          {"finished_ms", p->finished_ms ? nlohmann::json(p->finished_ms) : nlohmann::json(nullptr)},
          {"objects_scanned", p->objects_scanned},
          {"objects_total", p->objects_total},
          {"bytes_scanned", p->bytes_scanned},
          {"bytes_total", p->bytes_total},
          {"objects_healed", p->objects_healed},
          {"shards_repaired", p->shards_repaired},
          {"shards_unavailable", p->shards_unavailable},
          {"objects_lost", p->objects_lost},
          {"errors", p->errors},
          {"last_error", p->last_error},
          {"cut_short", p->cut_short}};
}

// Every version (delete markers included: they have data dirs too) of one bucket or all, page by page.
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
    VersionListParams p;
    p.max_keys = 1000;
    for (;;) {
      auto page = objects.list_object_versions(bucket, p);
      if (!page) {
        if (page.error().code == s3::Code::NoSuchBucket) break;  // deleted meanwhile
        return page.error();
      }
      for (const auto& v : page->versions)
        if (!visit(v)) return {};
      if (!page->truncated) break;
      p.key_marker = page->next_key_marker;
      p.version_id_marker = page->next_version_id_marker;
    }
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
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Healer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t Healer::request_pass(const std::string& bucket) {
  std::lock_guard lock(mu_);
  if (!requested_) {
    requested_ = bucket;
    requested_id_ = next_id_++;
  } else if (*requested_ != bucket) {
    requested_ = std::string();  // two different asks: cover both
  }
  cv_.notify_all();
  return requested_id_;
}

HealPass Healer::run_pass(const std::string& kind, const std::string& bucket) {
  uint64_t id = 0;
  if (kind != "scrub") {
    std::lock_guard lock(mu_);
    id = next_id_++;
  }
  return execute(id, kind, bucket);
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
    if (stopping_) break;
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

void Healer::loop() {
  auto next_check = Clock::now();
  auto next_scrub = Clock::now() + std::chrono::milliseconds(opt_.scrub_interval_ms);
  auto next_rebuild = Clock::now();
  for (;;) {
    if (stopping_) return;
    if (Clock::now() >= next_check) {
      check_drives();
      next_check = Clock::now() + std::chrono::milliseconds(opt_.monitor_interval_ms);
    }
    std::optional<std::string> asked;
    uint64_t asked_id = 0;
    {
      std::lock_guard lock(mu_);
      if (requested_) {
        asked = std::move(requested_);
        asked_id = requested_id_;
        requested_.reset();
      }
    }
    bool worked = false;
    if (asked) {
      execute(asked_id, "heal", *asked);
      worked = true;
    } else if (any_drive_healing() && Clock::now() >= next_rebuild) {
      uint64_t id = 0;
      {
        std::lock_guard lock(mu_);
        id = next_id_++;
      }
      HealPass p = execute(id, "rebuild", "");
      // Failed passes leave the marks; try again a little later.
      if (p.errors || p.objects_lost || p.cut_short) next_rebuild = Clock::now() + std::chrono::seconds(30);
      worked = true;
    } else if (drain_queue() > 0) {
      worked = true;
    } else if (opt_.scrub_interval_ms > 0 && Clock::now() >= next_scrub) {
      execute(0, "scrub", "");
      next_scrub = Clock::now() + std::chrono::milliseconds(opt_.scrub_interval_ms);
      worked = true;
    }
    if (worked) continue;
    std::unique_lock lock(mu_);
    auto until = std::min(next_check, Clock::now() + std::chrono::seconds(1));
    if (opt_.scrub_interval_ms > 0) until = std::min(until, next_scrub);
    cv_.wait_until(lock, until, [&] { return stopping_.load() || requested_.has_value(); });
  }
}

HealPass Healer::execute(uint64_t id, const std::string& kind, const std::string& bucket) {
  HealPass pass;
  pass.id = id;
  pass.kind = kind;
  pass.bucket = bucket;
  pass.started_ms = now_ms();
  const bool scrub = kind == "scrub";
  const bool deep = kind != "rebuild";
  // Drives healing when the pass starts are whole once it ends without trouble.
  std::vector<const Drive*> healing;
  for (const Drive* d : set_.all_drives())
    if (d->state() == DriveState::Healing) healing.push_back(d);
  spdlog::info("{} pass {} started{}", kind, id, bucket.empty() ? "" : " on bucket " + bucket);

  // Counting first gives the progress bar its total; the index walk is cheap next to reading the data.
  auto counted = walk(layer_, bucket, [&](const ObjectInfo& v) {
    ++pass.objects_total;
    pass.bytes_total += v.size;
    return !stopping_;
  });
  if (!counted) note_error(pass, counted.error().message);
  publish(pass);
  auto last_publish = Clock::now();
  auto walked = walk(layer_, bucket, [&](const ObjectInfo& v) {
    if (stopping_) {
      pass.cut_short = true;
      return false;
    }
    if (scrub) {
      // A heal someone asked for goes first; the next scrub starts over.
      std::lock_guard lock(mu_);
      if (requested_) {
        pass.cut_short = true;
        return false;
      }
    }
    if (scrub) scrub_rate_.acquire(static_cast<double>(v.size), stopping_);
    auto rec = set_.index->get_version(v.bucket, v.key, v.version_id);
    if (rec) heal_one(*rec, deep, pass);  // else deleted meanwhile
    ++pass.objects_scanned;
    pass.bytes_scanned += v.size;
    if (Clock::now() - last_publish > std::chrono::milliseconds(200)) {
      publish(pass);
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
  spdlog::info("{} pass {} {}: {} versions, {} shards repaired, {} lost, {} errors", kind, id,
               pass.cut_short ? "cut short" : "finished", pass.objects_scanned, pass.shards_repaired, pass.objects_lost,
               pass.errors);
  std::lock_guard lock(mu_);
  if (scrub) {
    scrub_current_.reset();
    scrub_last_ = pass;
  } else {
    current_.reset();
    last_ = pass;
  }
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

void Healer::note_error(HealPass& pass, const std::string& what) {
  ++pass.errors;
  pass.last_error = what;
  spdlog::warn("{} pass {}: {}", pass.kind, pass.id, what);
}

void Healer::publish(const HealPass& pass) {
  std::lock_guard lock(mu_);
  if (pass.kind == "scrub") {
    scrub_current_ = pass;
  } else {
    current_ = pass;
  }
}

nlohmann::json Healer::status() {
  auto backlog = set_.index->heal_backlog();
  std::lock_guard lock(mu_);
  nlohmann::json j = {{"running", current_.has_value()},
                      {"current", pass_json(current_)},
                      {"last", pass_json(last_)},
                      {"requested", requested_.has_value() ? nlohmann::json(requested_id_) : nlohmann::json(nullptr)},
                      {"backlog", backlog ? *backlog : 0},
                      {"queue_healed", queue_healed_},
                      {"queue_lost", queue_lost_},
                      {"scrub",
                       {{"interval_seconds", opt_.scrub_interval_ms / 1000.0},
                        {"bytes_per_second", opt_.scrub_bytes_per_second},
                        {"current", pass_json(scrub_current_)},
                        {"last", pass_json(scrub_last_)}}}};
  return j;
}

nlohmann::json Healer::cluster_status() {
  // Distinct drives, each with the pools that use it.
  std::map<std::string, std::vector<std::string>> pools_of;
  for (const auto& p : set_.pools)
    for (const auto& d : p->drives) pools_of[d.root()].push_back(p->name);
  nlohmann::json drives = nlohmann::json::array();
  for (const Drive* d : set_.all_drives()) {
    nlohmann::json j = {{"slot", d->index() + 1},
                        {"path", d->root()},
                        {"state", drive_state_name(d->state())},
                        {"reason", d->reason()},
                        {"drive_id", d->format().drive_id},
                        {"pools", pools_of[d->root()]}};
    struct statvfs st {};
    if (::statvfs(d->root().c_str(), &st) == 0) {
      j["total_bytes"] = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
      j["free_bytes"] = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    }
    drives.push_back(std::move(j));
  }
  nlohmann::json pools = nlohmann::json::array();
  for (const auto& p : set_.pools) {
    int online = 0, healing = 0, offline = 0;
    for (const auto& d : p->drives) {
      switch (d.state()) {
        case DriveState::Online: ++online; break;
        case DriveState::Healing: ++healing; break;
        case DriveState::Offline: ++offline; break;
      }
    }
    std::vector<std::string> classes;
    for (const auto& [cls, pool] : set_.classes)
      if (pool == p.get()) classes.push_back(cls);
    pools.push_back({{"name", p->name},
                     {"k", p->k()},
                     {"m", p->m()},
                     {"drives", p->drives.size()},
                     {"online", online},
                     {"healing", healing},
                     {"offline", offline},
                     {"storage_classes", classes},
                     // Reads need k drives with the data, writes a quorum that takes shards.
                     {"readable", online + healing >= p->k()},
                     {"writable", online + healing >= p->write_quorum()}});
  }
  nlohmann::json heal = status();
  return {{"drives", drives},
          {"pools", pools},
          {"healing",
           {{"backlog", heal["backlog"]},
            {"running", heal["current"]},
            {"last", heal["last"]},
            {"scrub", heal["scrub"]["last"]}}}};
}

std::unique_ptr<Healer> make_healer(ObjectLayer& layer, HealerOptions opt) {
  auto* erasure = dynamic_cast<ErasureObjectLayer*>(&layer);
  if (!erasure) return nullptr;
  return std::make_unique<Healer>(*erasure, opt);
}

}  // namespace silt
