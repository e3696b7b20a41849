#include "server/ops/cluster_metrics.h"

#include <boost/asio/post.hpp>
#include <map>
#include <string>

#include "lifecycle/worker.h"
#include "object/cluster_status.h"
#include "object/maintenance.h"
#include "server/ops/usage_check.h"
#include "server/s3/handler.h"

namespace silt::server {

namespace {

using prom::Exposition;

double seconds(int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& p : list) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

void write_drives(Exposition& out, const std::vector<DriveStatus>& drives, const std::vector<PoolStatus>& pools) {
  // Labels are string_views: the strings they point at live in rows.
  struct Row {
    const DriveStatus& d;
    std::string slot, pools;
    prom::Labels labels() const { return {{"drive", d.path}, {"slot", slot}, {"pool", pools}}; }
  };
  std::vector<Row> rows;
  for (const auto& d : drives) rows.push_back({d, std::to_string(d.slot), join(d.pools)});
  out.family("silt_drive_state", "gauge",
             "1 for the drive's current state (online, healing, offline), 0 for the others. pool lists the pools "
             "the drive serves, comma-separated.");
  for (const auto& r : rows)
    for (DriveHealth h : kDriveHealths) {
      prom::Labels l = r.labels();
      l.emplace_back("state", drive_health_name(h));
      out.sample("silt_drive_state", l, uint64_t{r.d.health == h});
    }
  out.family("silt_drive_total_bytes", "gauge", "Size of the filesystem holding the drive.");
  for (const auto& r : rows)
    if (r.d.total_bytes) out.sample("silt_drive_total_bytes", r.labels(), *r.d.total_bytes);
  out.family("silt_drive_free_bytes", "gauge", "Bytes available to silt on the drive's filesystem.");
  for (const auto& r : rows)
    if (r.d.free_bytes) out.sample("silt_drive_free_bytes", r.labels(), *r.d.free_bytes);

  out.family("silt_pool_drives", "gauge", "Drives of the pool in each state.");
  for (const auto& p : pools) {
    const int in_state[] = {p.online, p.healing, p.offline};  // kDriveHealths' order
    for (size_t i = 0; i < std::size(kDriveHealths); ++i)
      out.sample("silt_pool_drives", {{"pool", p.name}, {"state", drive_health_name(kDriveHealths[i])}},
                 static_cast<uint64_t>(in_state[i]));
  }
  out.family("silt_pool_readable", "gauge", "1 while k drives of the pool are up.");
  for (const auto& p : pools) out.sample("silt_pool_readable", {{"pool", p.name}}, uint64_t{p.readable()});
  out.family("silt_pool_writable", "gauge", "1 while the pool has a write quorum (k+1 drives up).");
  for (const auto& p : pools) out.sample("silt_pool_writable", {{"pool", p.name}}, uint64_t{p.writable()});
}

// Heal passes (asked for, or a drive's rebuild) and scrub passes, as heal/status reports them.
void write_healing(Exposition& out, const HealStatus& heal) {
  out.family("silt_heal_backlog_versions", "gauge", "Versions on the repair queue, waiting for the healer.");
  out.sample("silt_heal_backlog_versions", {}, heal.backlog);
  out.family("silt_heal_queue_healed_total", "counter", "Versions repaired off the repair queue since start.");
  out.sample("silt_heal_queue_healed_total", {}, heal.queue_healed);
  out.family("silt_heal_queue_lost_total", "counter",
             "Versions off the repair queue found with fewer than k good shards, since start.");
  out.sample("silt_heal_queue_lost_total", {}, heal.queue_lost);

  struct Kind {
    const char* pass;
    const std::optional<HealPass>& current;
    const std::optional<HealPass>& last;
  };
  const Kind kinds[] = {{"heal", heal.current, heal.last}, {"scrub", heal.scrub.current, heal.scrub.last}};

  out.family("silt_heal_pass_running", "gauge",
             "1 while a pass runs. pass=\"heal\": a heal pass asked for or a drive's rebuild; \"scrub\": a scrub.");
  for (const auto& k : kinds) out.sample("silt_heal_pass_running", {{"pass", k.pass}}, uint64_t{k.current.has_value()});
  // Progress of the running pass, else of the last one (then scanned == total when it completed).
  struct Series {
    const char* metric;
    uint64_t HealPass::*field;
    const char* what;
  };
  const Series progress[] = {
      {"silt_heal_pass_versions_scanned", &HealPass::objects_scanned, "Versions checked"},
      {"silt_heal_pass_versions_total", &HealPass::objects_total, "Versions to check"},
      {"silt_heal_pass_bytes_scanned", &HealPass::bytes_scanned, "Logical bytes checked"},
      {"silt_heal_pass_bytes_total", &HealPass::bytes_total, "Logical bytes to check"},
  };
  for (const auto& [metric, field, what] : progress) {
    out.family(metric, "gauge", std::string(what) + " by the running pass, else by the last one.");
    for (const auto& k : kinds) {
      const std::optional<HealPass>& p = k.current ? k.current : k.last;
      if (p) out.sample(metric, {{"pass", k.pass}}, (*p).*field);
    }
  }
  out.family("silt_heal_pass_last_completed_timestamp_seconds", "gauge",
             "When the last pass of the kind ended (Unix time); absent before the first.");
  for (const auto& k : kinds)
    if (k.last)
      out.sample("silt_heal_pass_last_completed_timestamp_seconds", {{"pass", k.pass}}, seconds(k.last->finished_ms));
  const Series outcome[] = {
      {"silt_heal_last_pass_versions_healed", &HealPass::objects_healed, "Versions repaired"},
      {"silt_heal_last_pass_shards_repaired", &HealPass::shards_repaired, "Shards rewritten"},
      {"silt_heal_last_pass_versions_lost", &HealPass::objects_lost, "Versions found with fewer than k good shards"},
      {"silt_heal_last_pass_errors", &HealPass::errors, "Errors"},
  };
  for (const auto& [metric, field, what] : outcome) {
    out.family(metric, "gauge", std::string(what) + " in the last completed pass.");
    for (const auto& k : kinds)
      if (k.last) out.sample(metric, {{"pass", k.pass}}, (*k.last).*field);
  }
}

void write_lifecycle(Exposition& out, const lifecycle::WorkerStatus& st) {
  const std::optional<lifecycle::PassStats>& p = st.current ? st.current : st.last;
  out.family("silt_lifecycle_pass_running", "gauge", "1 while a lifecycle pass runs.");
  out.sample("silt_lifecycle_pass_running", {}, uint64_t{st.current.has_value()});
  out.family("silt_lifecycle_pass_versions_scanned", "gauge",
             "Versions the running lifecycle pass has examined, else the last pass's.");
  if (p) out.sample("silt_lifecycle_pass_versions_scanned", {}, p->objects_scanned);
  out.family("silt_lifecycle_pass_versions_total", "gauge",
             "Estimated versions of the pass (what the previous full pass scanned; 0: unknown).");
  if (p) out.sample("silt_lifecycle_pass_versions_total", {}, p->objects_total);
  out.family("silt_lifecycle_last_completed_timestamp_seconds", "gauge",
             "When the last lifecycle pass ended (Unix time); absent before the first.");
  if (st.last) out.sample("silt_lifecycle_last_completed_timestamp_seconds", {}, seconds(st.last->finished_ms));
  struct Series {
    const char* metric;
    uint64_t lifecycle::PassStats::*field;
    const char* what;
  };
  const Series outcome[] = {
      {"silt_lifecycle_last_pass_expired", &lifecycle::PassStats::expired,
       "Versions and delete markers expired or deleted"},
      {"silt_lifecycle_last_pass_transitioned", &lifecycle::PassStats::transitioned,
       "Versions moved to another storage class"},
      {"silt_lifecycle_last_pass_transitioned_bytes", &lifecycle::PassStats::bytes_transitioned,
       "Bytes moved to another storage class"},
      {"silt_lifecycle_last_pass_aborted_uploads", &lifecycle::PassStats::aborted_uploads,
       "Incomplete multipart uploads aborted"},
      {"silt_lifecycle_last_pass_errors", &lifecycle::PassStats::errors, "Errors"},
  };
  for (const auto& [metric, field, what] : outcome) {
    out.family(metric, "gauge", std::string(what) + " by the last completed lifecycle pass.");
    if (st.last) out.sample(metric, {}, (*st.last).*field);
  }
}

// A storage cluster's state from its monitors (RADOS backend), in place of the drives.
void write_cluster(Exposition& out, const ClusterState& st) {
  out.family("silt_cluster_reachable", "gauge",
             "1 while the cluster's monitors answered within the stale limit; 0: the silt_cluster_* figures are "
             "the last ones they gave.");
  out.sample("silt_cluster_reachable", {}, uint64_t{st.reachable});
  out.family("silt_cluster_writable", "gauge", "1 while every pool silt uses takes writes (the health probes' rule).");
  out.sample("silt_cluster_writable", {}, uint64_t{st.writable()});
  if (st.measured_ms == 0) return;  // never answered: nothing to report
  out.family("silt_cluster_measured_timestamp_seconds", "gauge", "When the monitors last answered (Unix time).");
  out.sample("silt_cluster_measured_timestamp_seconds", {}, seconds(st.measured_ms));
  out.family("silt_cluster_health_status", "gauge", "The monitors' health: 0 HEALTH_OK, 1 HEALTH_WARN, 2 HEALTH_ERR.");
  out.sample("silt_cluster_health_status", {}, static_cast<uint64_t>(st.health));
  out.family("silt_cluster_osds", "gauge", "OSDs of the cluster: all of them (state=total), up, and in.");
  out.sample("silt_cluster_osds", {{"state", "total"}}, static_cast<uint64_t>(st.osds_total));
  out.sample("silt_cluster_osds", {{"state", "up"}}, static_cast<uint64_t>(st.osds_up));
  out.sample("silt_cluster_osds", {{"state", "in"}}, static_cast<uint64_t>(st.osds_in));
  out.family("silt_cluster_monitors", "gauge", "Monitors in the monmap.");
  out.sample("silt_cluster_monitors", {}, static_cast<uint64_t>(st.mons_total));
  out.family("silt_cluster_monitors_in_quorum", "gauge", "Monitors in the quorum.");
  out.sample("silt_cluster_monitors_in_quorum", {}, static_cast<uint64_t>(st.mons_in_quorum));

  struct Row {
    const ClusterPool& p;
    prom::Labels labels() const { return {{"pool", p.name}, {"role", p.index ? "index" : "data"}}; }
  };
  out.family("silt_cluster_pool_pgs", "gauge",
             "PGs of the pool by state, judged from the OSD map: clean (every acting OSD up), degraded (at least "
             "min_size up), inactive (fewer: no I/O).");
  for (const auto& p : st.pools) {
    const std::pair<const char*, uint64_t> states[] = {
        {"clean", p.pgs.clean}, {"degraded", p.pgs.degraded}, {"inactive", p.pgs.inactive}};
    for (const auto& [state, n] : states) {
      prom::Labels l = Row{p}.labels();
      l.emplace_back("state", state);
      out.sample("silt_cluster_pool_pgs", l, n);
    }
  }
  out.family("silt_cluster_pool_writable", "gauge", "1 while every PG of the pool takes writes.");
  for (const auto& p : st.pools) out.sample("silt_cluster_pool_writable", Row{p}.labels(), uint64_t{p.writable()});
  struct Series {
    const char* metric;
    std::optional<uint64_t> ClusterPool::*field;
    const char* help;
  };
  const Series usage[] = {
      {"silt_cluster_pool_stored_bytes", &ClusterPool::stored_bytes,
       "Bytes of the pool's objects as written, before EC or replication (ceph df's STORED; needs a ceph-mgr)."},
      {"silt_cluster_pool_used_bytes", &ClusterPool::used_bytes,
       "Raw bytes the pool takes on the OSDs, EC or replication included (ceph df's USED; needs a ceph-mgr)."},
      {"silt_cluster_pool_objects", &ClusterPool::objects, "RADOS objects in the pool (needs a ceph-mgr)."},
  };
  for (const auto& [metric, field, help] : usage) {
    out.family(metric, "gauge", help);
    for (const auto& p : st.pools)
      if (p.*field) out.sample(metric, Row{p}.labels(), *(p.*field));
  }
}

// The index's usage against each data pool's stored bytes (server/ops/usage_check.h). The
// pool's own figures are silt_cluster_pool_stored_bytes etc.; without pool statistics only
// the index side is given.
void write_usage_check(Exposition& out, const std::vector<PoolUsageCheck>& checks) {
  out.family("silt_cluster_pool_index_bytes", "gauge",
             "Bytes the index says silt stores in the data pool, comparable with silt_cluster_pool_stored_bytes "
             "(before EC, after the gateway's compression; inlined versions are in the index pool).");
  for (const auto& c : checks) out.sample("silt_cluster_pool_index_bytes", {{"pool", c.pool}}, c.index_pool_bytes);
  // What the pool rightly holds beside the versions: series only while it is known.
  struct Pending {
    const char* metric;
    uint64_t PendingPoolData::*field;
    const char* help;
  };
  const Pending pending[] = {
      {"silt_cluster_pool_gc_pending_bytes", &PendingPoolData::gc_bytes,
       "Bytes of replaced or deleted data awaiting GC in the pool (G entries that record them), counted in "
       "what silt accounts for."},
      {"silt_cluster_pool_gc_pending_objects", &PendingPoolData::gc_objects, "RADOS objects awaiting GC."},
      {"silt_cluster_pool_gc_unknown_entries", &PendingPoolData::gc_unknown_entries,
       "GC entries written by older gateways, which do not record their bytes."},
      {"silt_cluster_pool_open_upload_bytes", &PendingPoolData::part_bytes,
       "Bytes of parts of multipart uploads in progress, counted in what silt accounts for."},
      {"silt_cluster_pool_writes_in_flight", &PendingPoolData::intents,
       "Writes streaming into the pool (write intents); their bytes are not counted."},
  };
  for (const auto& [metric, field, help] : pending) {
    out.family(metric, "gauge", help);
    for (const auto& c : checks)
      if (c.pending) out.sample(metric, {{"pool", c.pool}}, (*c.pending).*field);
  }
  out.family("silt_cluster_pool_usage_difference_bytes", "gauge",
             "The pool's stored bytes minus what silt accounts for: the index, data awaiting GC and open uploads' "
             "parts (needs a ceph-mgr).");
  for (const auto& c : checks)
    if (c.difference_bytes)
      out.sample("silt_cluster_pool_usage_difference_bytes", {{"pool", c.pool}},
                 static_cast<double>(*c.difference_bytes));
  out.family("silt_cluster_pool_usage_tolerance_bytes", "gauge",
             "The difference Ceph's accounting explains: per RADOS object one EC stripe of padding and a byte of "
             "rounding (needs a ceph-mgr).");
  for (const auto& c : checks)
    if (c.tolerance_bytes)
      out.sample("silt_cluster_pool_usage_tolerance_bytes", {{"pool", c.pool}}, *c.tolerance_bytes);
  out.family("silt_cluster_pool_usage_flagged", "gauge",
             "1 when the difference is below 0 or beyond the tolerance (docs/cluster.md, \"Usage against the "
             "pools\"; needs a ceph-mgr).");
  for (const auto& c : checks)
    if (c.verdict != UsageVerdict::Unavailable)
      out.sample("silt_cluster_pool_usage_flagged", {{"pool", c.pool}}, uint64_t{c.flagged()});
}

}  // namespace

std::optional<ClusterMetrics::Usage> ClusterMetrics::measure(Services& svc) {
  auto measured =
      lifecycle::measure_usage(svc.objects, "", svc.cluster ? svc.cluster->cluster_state().inline_bytes : 0);
  if (!measured) return std::nullopt;
  // Every configured class, so a dashboard sees 0 rather than no series.
  std::map<std::string, lifecycle::ClassUsage> by_class;
  for (const auto& p : svc.objects.pools())
    for (const auto& c : p.storage_classes) by_class[c] = {c, p.name};
  for (const auto& b : *measured)
    for (const auto& c : b.classes) by_class[c.storage_class] += c;
  Usage u;
  for (auto& [cls, c] : by_class) u.classes.push_back(std::move(c));
  if (svc.cluster) {
    auto pending = svc.cluster->pending_data();
    if (pending)
      u.pending = std::move(*pending);
    else
      u.pending_error = pending.error().message;
  }
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
  if (svc.maintenance) {
    write_drives(out, svc.maintenance->drive_status(), svc.maintenance->pool_status());
    write_healing(out, svc.maintenance->heal_status());
  }
  if (svc.cluster) write_cluster(out, svc.cluster->cluster_state());
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
  if (svc.cluster) {
    s3::Result<PendingData> pending =
        u->pending ? s3::Result<PendingData>(*u->pending)
                   : s3::Result<PendingData>(s3::Error(s3::Code::InternalError, u->pending_error));
    write_usage_check(out, check_pool_usage(svc.cluster->cluster_state(), svc.objects.pools(), u->classes, pending));
  }
  out.family("silt_storage_buckets", "gauge", "Buckets.");
  out.sample("silt_storage_buckets", {}, static_cast<uint64_t>(u->buckets));
  out.family("silt_storage_measured_timestamp_seconds", "gauge",
             "When the silt_storage_* figures were measured (Unix time); they are cached between scrapes.");
  out.sample("silt_storage_measured_timestamp_seconds", {},
             std::chrono::duration<double>(u->measured.time_since_epoch()).count());
}

}  // namespace silt::server
