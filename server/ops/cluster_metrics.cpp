#include "server/ops/cluster_metrics.h"

#include <boost/asio/post.hpp>
#include <map>
#include <string>

#include "erasure/healer.h"
#include "lifecycle/worker.h"
#include "server/s3/handler.h"

namespace silt::server {

namespace {

using nlohmann::json;
using prom::Exposition;

uint64_t u64(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_number() ? it->get<uint64_t>() : 0;
}

// A pass object of the admin API (heal/status, lifecycle/status); null when there is none.
const json& pass_or_null(const json& j, const char* field) {
  static const json null;
  auto it = j.find(field);
  return it != j.end() && it->is_object() ? *it : null;
}

double finished_seconds(const json& pass) {
  auto it = pass.find("finished_ms");
  return it != pass.end() && it->is_number() ? it->get<int64_t>() / 1000.0 : 0;
}

std::string join(const json& list) {
  std::string out;
  if (!list.is_array()) return out;
  for (const auto& p : list) {
    if (!out.empty()) out += ',';
    out += p.get<std::string>();
  }
  return out;
}

void write_drives(Exposition& out, const json& cluster) {
  static constexpr const char* kStates[] = {"online", "healing", "offline"};
  const json& drives = cluster["drives"];
  struct Row {
    std::string drive, slot, pools, state;
    std::optional<uint64_t> total, free;
  };
  std::vector<Row> rows;
  for (const auto& d : drives) {
    Row r{d.value("path", ""),
          std::to_string(d.value("slot", 0)),
          join(d.value("pools", json::array())),
          d.value("state", ""),
          std::nullopt,
          std::nullopt};
    if (d.contains("total_bytes")) r.total = u64(d, "total_bytes");
    if (d.contains("free_bytes")) r.free = u64(d, "free_bytes");
    rows.push_back(std::move(r));
  }
  out.family("silt_drive_state", "gauge",
             "1 for the drive's current state (online, healing, offline), 0 for the others. pool lists the pools "
             "the drive serves, comma-separated.");
  for (const auto& r : rows)
    for (const char* s : kStates)
      out.sample("silt_drive_state", {{"drive", r.drive}, {"slot", r.slot}, {"pool", r.pools}, {"state", s}},
                 uint64_t{r.state == s});
  out.family("silt_drive_total_bytes", "gauge", "Size of the filesystem holding the drive.");
  for (const auto& r : rows)
    if (r.total)
      out.sample("silt_drive_total_bytes", {{"drive", r.drive}, {"slot", r.slot}, {"pool", r.pools}}, *r.total);
  out.family("silt_drive_free_bytes", "gauge", "Bytes available to silt on the drive's filesystem.");
  for (const auto& r : rows)
    if (r.free) out.sample("silt_drive_free_bytes", {{"drive", r.drive}, {"slot", r.slot}, {"pool", r.pools}}, *r.free);

  const json& pools = cluster["pools"];
  out.family("silt_pool_drives", "gauge", "Drives of the pool in each state.");
  for (const auto& p : pools) {
    std::string name = p.value("name", "");
    for (const char* s : kStates) out.sample("silt_pool_drives", {{"pool", name}, {"state", s}}, u64(p, s));
  }
  out.family("silt_pool_readable", "gauge", "1 while k drives of the pool are up.");
  for (const auto& p : pools)
    out.sample("silt_pool_readable", {{"pool", p.value("name", "")}}, uint64_t{p.value("readable", false)});
  out.family("silt_pool_writable", "gauge", "1 while the pool has a write quorum (k+1 drives up).");
  for (const auto& p : pools)
    out.sample("silt_pool_writable", {{"pool", p.value("name", "")}}, uint64_t{p.value("writable", false)});
}

// Heal passes (asked for, or a drive's rebuild) and scrub passes, as heal/status reports them.
void write_healing(Exposition& out, const json& heal) {
  out.family("silt_heal_backlog_versions", "gauge", "Versions on the repair queue, waiting for the healer.");
  out.sample("silt_heal_backlog_versions", {}, u64(heal, "backlog"));
  out.family("silt_heal_queue_healed_total", "counter", "Versions repaired off the repair queue since start.");
  out.sample("silt_heal_queue_healed_total", {}, u64(heal, "queue_healed"));
  out.family("silt_heal_queue_lost_total", "counter",
             "Versions off the repair queue found with fewer than k good shards, since start.");
  out.sample("silt_heal_queue_lost_total", {}, u64(heal, "queue_lost"));

  const json& scrub = heal.contains("scrub") ? heal["scrub"] : json::object();
  struct Kind {
    const char* pass;
    const json& current;
    const json& last;
  };
  const Kind kinds[] = {{"heal", pass_or_null(heal, "current"), pass_or_null(heal, "last")},
                        {"scrub", pass_or_null(scrub, "current"), pass_or_null(scrub, "last")}};

  out.family("silt_heal_pass_running", "gauge",
             "1 while a pass runs. pass=\"heal\": a heal pass asked for or a drive's rebuild; \"scrub\": a scrub.");
  for (const auto& k : kinds) out.sample("silt_heal_pass_running", {{"pass", k.pass}}, uint64_t{!k.current.is_null()});
  // Progress of the running pass, else of the last one (then scanned == total when it completed).
  struct Series {
    const char* metric;
    const char* field;  // of the pass in heal/status
    const char* what;
  };
  const Series progress[] = {
      {"silt_heal_pass_versions_scanned", "objects_scanned", "Versions checked"},
      {"silt_heal_pass_versions_total", "objects_total", "Versions to check"},
      {"silt_heal_pass_bytes_scanned", "bytes_scanned", "Logical bytes checked"},
      {"silt_heal_pass_bytes_total", "bytes_total", "Logical bytes to check"},
  };
  for (const auto& [metric, field, what] : progress) {
    out.family(metric, "gauge", std::string(what) + " by the running pass, else by the last one.");
    for (const auto& k : kinds) {
      const json& p = k.current.is_null() ? k.last : k.current;
      if (!p.is_null()) out.sample(metric, {{"pass", k.pass}}, u64(p, field));
    }
  }
  out.family("silt_heal_pass_last_completed_timestamp_seconds", "gauge",
             "When the last pass of the kind ended (Unix time); absent before the first.");
  for (const auto& k : kinds)
    if (!k.last.is_null())
      out.sample("silt_heal_pass_last_completed_timestamp_seconds", {{"pass", k.pass}}, finished_seconds(k.last));
  const Series outcome[] = {
      {"silt_heal_last_pass_versions_healed", "objects_healed", "Versions repaired"},
      {"silt_heal_last_pass_shards_repaired", "shards_repaired", "Shards rewritten"},
      {"silt_heal_last_pass_versions_lost", "objects_lost", "Versions found with fewer than k good shards"},
      {"silt_heal_last_pass_errors", "errors", "Errors"},
  };
  for (const auto& [metric, field, what] : outcome) {
    out.family(metric, "gauge", std::string(what) + " in the last completed pass.");
    for (const auto& k : kinds)
      if (!k.last.is_null()) out.sample(metric, {{"pass", k.pass}}, u64(k.last, field));
  }
}

void write_lifecycle(Exposition& out, const json& st) {
  const json& current = pass_or_null(st, "current");
  const json& last = pass_or_null(st, "last");
  const json& p = current.is_null() ? last : current;
  out.family("silt_lifecycle_pass_running", "gauge", "1 while a lifecycle pass runs.");
  out.sample("silt_lifecycle_pass_running", {}, uint64_t{!current.is_null()});
  out.family("silt_lifecycle_pass_versions_scanned", "gauge",
             "Versions the running lifecycle pass has examined, else the last pass's.");
  if (!p.is_null()) out.sample("silt_lifecycle_pass_versions_scanned", {}, u64(p, "objects_scanned"));
  out.family("silt_lifecycle_pass_versions_total", "gauge",
             "Estimated versions of the pass (what the previous full pass scanned; 0: unknown).");
  if (!p.is_null()) out.sample("silt_lifecycle_pass_versions_total", {}, u64(p, "objects_total"));
  out.family("silt_lifecycle_last_completed_timestamp_seconds", "gauge",
             "When the last lifecycle pass ended (Unix time); absent before the first.");
  if (!last.is_null()) out.sample("silt_lifecycle_last_completed_timestamp_seconds", {}, finished_seconds(last));
  struct Series {
    const char* metric;
    const char* field;  // of the pass in lifecycle/status
    const char* what;
  };
  const Series outcome[] = {
      {"silt_lifecycle_last_pass_expired", "expired", "Versions and delete markers expired or deleted"},
      {"silt_lifecycle_last_pass_transitioned", "transitioned", "Versions moved to another storage class"},
      {"silt_lifecycle_last_pass_transitioned_bytes", "bytes_transitioned", "Bytes moved to another storage class"},
      {"silt_lifecycle_last_pass_aborted_uploads", "aborted_uploads", "Incomplete multipart uploads aborted"},
      {"silt_lifecycle_last_pass_errors", "errors", "Errors"},
  };
  for (const auto& [metric, field, what] : outcome) {
    out.family(metric, "gauge", std::string(what) + " by the last completed lifecycle pass.");
    if (!last.is_null()) out.sample(metric, {}, u64(last, field));
  }
}

}  // namespace

std::optional<ClusterMetrics::Usage> ClusterMetrics::measure(Services& svc) {
  auto measured = lifecycle::measure_usage(svc.objects, "");
  if (!measured) return std::nullopt;
  // Every configured class, so a dashboard sees 0 rather than no series.
  std::map<std::string, lifecycle::ClassUsage> by_class;
  for (const auto& p : svc.objects.pools())
    for (const auto& c : p.storage_classes) by_class[c] = {c, p.name};
  for (const auto& b : *measured)
    for (const auto& c : b.classes) {
      auto& t = by_class[c.storage_class];
      t.storage_class = c.storage_class;
      t.pool = c.pool;
      t.objects += c.objects;
      t.logical_bytes += c.logical_bytes;
      t.stored_bytes += c.stored_bytes;
      t.monthly_cost += c.monthly_cost;
    }
  Usage u;
  for (auto& [cls, c] : by_class) u.classes.push_back(std::move(c));
  u.buckets = measured->size();
  u.measured = std::chrono::system_clock::now();
  return u;
}

std::optional<ClusterMetrics::Usage> ClusterMetrics::usage(Services& svc, double ttl_s) {
  auto age = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - usage_at_).count(); };
  {
    std::lock_guard lock(mu_);
    if (usage_ && age() < ttl_s) return usage_;
    if (usage_ && ttl_s > 0) {
      if (!refreshing_) {
        refreshing_ = true;
        // The pool is joined before the server's Metrics go away, so `this` outlives the walk.
        boost::asio::post(svc.blocking, [this, &svc] {
          std::lock_guard walk(measure_mu_);
          auto u = measure(svc);
          std::lock_guard lock(mu_);
          if (u) {
            usage_ = std::move(u);
            usage_at_ = std::chrono::steady_clock::now();
          }
          refreshing_ = false;
        });
      }
      return usage_;
    }
  }
  std::lock_guard walk(measure_mu_);
  {
    std::lock_guard lock(mu_);  // measured by a scrape we waited for
    if (usage_ && age() < ttl_s) return usage_;
  }
  auto u = measure(svc);
  std::lock_guard lock(mu_);
  if (!u) return std::nullopt;
  usage_ = std::move(u);
  usage_at_ = std::chrono::steady_clock::now();
  return usage_;
}

void ClusterMetrics::write(Exposition& out, Services& svc) {
  if (svc.healer) {
    write_drives(out, svc.healer->cluster_status());
    write_healing(out, svc.healer->status());
  }
  if (svc.lifecycle) write_lifecycle(out, svc.lifecycle->status());

  auto u = usage(svc, svc.config.metrics_usage_ttl_s);
  if (!u) return;
  const std::pair<const char*, const char*> series[] = {
      {"silt_storage_stored_bytes",
       "Bytes the class's shards occupy on the drives (erasure coding and compression "
       "included), all buckets."},
      {"silt_storage_logical_bytes", "Bytes of object data in the class as clients wrote it, all buckets."},
      {"silt_storage_objects", "Versions holding data in the class (noncurrent ones too), all buckets."},
      {"silt_storage_monthly_cost", "What the class's stored bytes cost per month at its pool's price."},
  };
  for (const auto& [metric, help] : series) {
    out.family(metric, "gauge", help);
    for (const auto& c : u->classes) {
      prom::Labels l = {{"storage_class", c.storage_class}, {"pool", c.pool}};
      std::string_view m = metric;
      if (m == "silt_storage_stored_bytes")
        out.sample(metric, l, c.stored_bytes);
      else if (m == "silt_storage_logical_bytes")
        out.sample(metric, l, c.logical_bytes);
      else if (m == "silt_storage_objects")
        out.sample(metric, l, c.objects);
      else
        out.sample(metric, l, c.monthly_cost);
    }
  }
  out.family("silt_storage_buckets", "gauge", "Buckets.");
  out.sample("silt_storage_buckets", {}, static_cast<uint64_t>(u->buckets));
  out.family("silt_storage_measured_timestamp_seconds", "gauge",
             "When the silt_storage_* figures were measured (Unix time); they are cached between scrapes.");
  out.sample("silt_storage_measured_timestamp_seconds", {},
             std::chrono::duration<double>(u->measured.time_since_epoch()).count());
}

}  // namespace silt::server
