#include "server/ops/admin_json.h"

#include <string>

namespace silt::server {

using nlohmann::json;

namespace {

// 0 means "still running" in the structs and null in the API.
json finished(int64_t finished_ms) {
  return finished_ms ? json(finished_ms) : json(nullptr);
}

json heal_pass_json(const std::optional<HealPass>& p) {
  if (!p) return nullptr;
  return {{"id", p->id},
          {"kind", std::string(heal_kind_name(p->kind))},
          {"bucket", p->bucket},
          {"started_ms", p->started_ms},
          {"finished_ms", finished(p->finished_ms)},
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

json lifecycle_pass_json(const std::optional<lifecycle::PassStats>& p) {
  if (!p) return nullptr;
  return {{"id", p->id},
          {"bucket", p->bucket},
          {"started_ms", p->started_ms},
          {"finished_ms", finished(p->finished_ms)},
          {"objects_scanned", p->objects_scanned},
          {"objects_total", p->objects_total},
          {"expired", p->expired},
          {"transitioned", p->transitioned},
          {"bytes_transitioned", p->bytes_transitioned},
          {"aborted_uploads", p->aborted_uploads},
          {"errors", p->errors},
          {"last_error", p->last_error},
          {"buckets_held", p->buckets_held},
          {"paused", p->paused}};
}

json classes_json(const std::vector<lifecycle::ClassUsage>& classes) {
  json a = json::array();
  for (const auto& c : classes)
    a.push_back({{"storage_class", c.storage_class},
                 {"pool", c.pool},
                 {"objects", c.objects},
                 {"logical_bytes", c.logical_bytes},
                 {"stored_bytes", c.stored_bytes},
                 {"monthly_cost", c.monthly_cost}});
  return a;
}

// The classes with what they store and cost together.
json totals_json(const std::vector<lifecycle::ClassUsage>& classes) {
  uint64_t stored = 0;
  double cost = 0;
  for (const auto& c : classes) {
    stored += c.stored_bytes;
    cost += c.monthly_cost;
  }
  return {{"classes", classes_json(classes)}, {"stored_bytes", stored}, {"monthly_cost", cost}};
}

}  // namespace

json heal_status_json(const HealStatus& heal) {
  return {{"running", heal.current.has_value()},
          {"current", heal_pass_json(heal.current)},
          {"last", heal_pass_json(heal.last)},
          {"requested", heal.requested ? json(*heal.requested) : json(nullptr)},
          {"backlog", heal.backlog},
          {"queue_healed", heal.queue_healed},
          {"queue_lost", heal.queue_lost},
          {"scrub",
           {{"interval_seconds", heal.scrub.interval_seconds},
            {"bytes_per_second", heal.scrub.bytes_per_second},
            {"current", heal_pass_json(heal.scrub.current)},
            {"last", heal_pass_json(heal.scrub.last)}}}};
}

json cluster_status_json(const std::vector<DriveStatus>& drives, const std::vector<PoolStatus>& pools,
                         const HealStatus& heal) {
  json d = json::array();
  for (const auto& s : drives) {
    json j = {{"slot", s.slot},     {"path", s.path},         {"state", std::string(drive_health_name(s.health))},
              {"reason", s.reason}, {"drive_id", s.drive_id}, {"pools", s.pools}};
    if (s.total_bytes) j["total_bytes"] = *s.total_bytes;
    if (s.free_bytes) j["free_bytes"] = *s.free_bytes;
    d.push_back(std::move(j));
  }
  json p = json::array();
  for (const auto& s : pools)
    p.push_back({{"name", s.name},
                 {"k", s.k},
                 {"m", s.m},
                 {"drives", s.drives},
                 {"online", s.online},
                 {"healing", s.healing},
                 {"offline", s.offline},
                 {"storage_classes", s.storage_classes},
                 {"readable", s.readable()},
                 {"writable", s.writable()}});
  return {{"drives", std::move(d)},
          {"pools", std::move(p)},
          {"healing",
           {{"backlog", heal.backlog},
            {"running", heal_pass_json(heal.current)},
            {"last", heal_pass_json(heal.last)},
            {"scrub", heal_pass_json(heal.scrub.last)}}}};
}

json cluster_state_json(const ClusterState& st) {
  auto optional = [](const std::optional<uint64_t>& v) { return v ? json(*v) : json(nullptr); };
  json pools = json::array();
  for (const auto& p : st.pools)
    pools.push_back(
        {{"name", p.name},
         {"role", p.index ? "index" : "data"},
         {"silt_pools", p.silt_pools},
         {"storage_classes", p.storage_classes},
         {"erasure", p.erasure},
         {"k", p.k},
         {"m", p.m},
         {"size", p.size},
         {"min_size", p.min_size},
         {"pgs",
          {{"total", p.pgs.total}, {"clean", p.pgs.clean}, {"degraded", p.pgs.degraded}, {"inactive", p.pgs.inactive}}},
         {"writable", p.writable()},
         {"stored_bytes", optional(p.stored_bytes)},
         {"used_bytes", optional(p.used_bytes)},
         {"objects", optional(p.objects)}});
  return {{"reachable", st.reachable},
          {"error", st.error},
          {"measured_ms", st.measured_ms ? json(st.measured_ms) : json(nullptr)},
          {"health", std::string(ceph_health_name(st.health))},
          {"checks", st.health_checks},
          {"osds", {{"total", st.osds_total}, {"up", st.osds_up}, {"in", st.osds_in}}},
          {"monitors", {{"total", st.mons_total}, {"in_quorum", st.mons_in_quorum}}},
          {"mgr", st.mgr_available},
          {"osdmap_epoch", st.osdmap_epoch},
          {"writable", st.writable()},
          {"pools", std::move(pools)}};
}

json usage_cross_check_json(const std::vector<PoolUsageCheck>& checks) {
  auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  json out = json::array();
  for (const auto& c : checks) {
    json classes = json::array();
    for (const auto& u : c.classes)
      classes.push_back({{"storage_class", u.storage_class},
                         {"pool", u.pool},
                         {"objects", u.objects},
                         {"logical_bytes", u.logical_bytes},
                         {"stored_bytes", u.stored_bytes},
                         {"inline_objects", u.inline_objects},
                         {"inline_bytes", u.inline_bytes}});
    json j = {{"pool", c.pool},
              {"silt_pools", c.silt_pools},
              {"storage_classes", c.storage_classes},
              {"classes", std::move(classes)},
              {"index_objects", c.index_objects},
              {"index_logical_bytes", c.index_logical_bytes},
              {"index_stored_bytes", c.index_stored_bytes},
              {"inline_objects", c.inline_objects},
              {"inline_bytes", c.inline_bytes},
              {"index_pool_bytes", c.index_pool_bytes},
              {"pending", nullptr},
              {"accounted_bytes", c.accounted_bytes},
              {"ec_overhead", c.ec_overhead},
              {"compression", c.zstd_level ? "zstd-" + std::to_string(c.zstd_level) : "none"},
              {"compression_ratio", c.compression_ratio},
              {"pool_stored_bytes", optional(c.pool_stored_bytes)},
              {"pool_used_bytes", optional(c.pool_used_bytes)},
              {"pool_objects", optional(c.pool_objects)},
              {"difference_bytes", optional(c.difference_bytes)},
              {"tolerance_bytes", optional(c.tolerance_bytes)},
              {"used_to_index_ratio", nullptr},
              {"status", std::string(usage_verdict_name(c.verdict))},
              {"flagged", c.flagged()},
              {"note", c.note}};
    if (c.pending)
      j["pending"] = {{"gc_entries", c.pending->gc_entries},
                      {"gc_objects", c.pending->gc_objects},
                      {"gc_bytes", c.pending->gc_bytes},
                      {"gc_unknown_entries", c.pending->gc_unknown_entries},
                      {"gc_unknown_objects", c.pending->gc_unknown_objects},
                      {"upload_parts", c.pending->part_entries},
                      {"upload_part_objects", c.pending->part_objects},
                      {"upload_part_bytes", c.pending->part_bytes},
                      {"upload_parts_unknown", c.pending->part_unknown_entries},
                      {"writes_in_flight", c.pending->intents}};
    else
      j["pending_error"] = c.pending_error;
    if (c.pool_used_bytes && c.index_stored_bytes > c.inline_bytes)
      j["used_to_index_ratio"] =
          static_cast<double>(*c.pool_used_bytes) / static_cast<double>(c.index_stored_bytes - c.inline_bytes);
    out.push_back(std::move(j));
  }
  return out;
}

json lifecycle_status_json(const lifecycle::WorkerStatus& status) {
  json buckets = json::array();
  for (const auto& b : status.buckets) {
    json rules = json::array();
    for (const auto& r : b.rules)
      rules.push_back({{"id", r.id},
                       {"status", r.enabled ? "Enabled" : "Disabled"},
                       {"expired", r.totals.expired},
                       {"transitioned", r.totals.transitioned},
                       {"bytes_transitioned", r.totals.bytes_transitioned}});
    const LeaseState& l = b.lease;
    buckets.push_back({{"bucket", b.bucket},
                       {"holder", l.holder.empty() ? json(nullptr) : json(l.holder)},
                       {"lease_expires_ms", l.holder.empty() ? json(nullptr) : json(l.expires_ms)},
                       {"cursor", l.cursor},
                       {"scanned", l.scanned},
                       {"pass_started_ms", l.pass_started_ms ? json(l.pass_started_ms) : json(nullptr)},
                       {"rules", std::move(rules)}});
  }
  return {{"running", status.current.has_value()},
          {"current", lifecycle_pass_json(status.current)},
          {"last", lifecycle_pass_json(status.last)},
          {"buckets", std::move(buckets)}};
}

json usage_json(const std::vector<PoolInfo>& pools, const std::vector<lifecycle::BucketUsage>& usage) {
  json j;
  j["pools"] = json::array();
  for (const auto& p : pools)
    j["pools"].push_back({{"name", p.name},
                          {"k", p.k},
                          {"m", p.m},
                          {"block_size", p.block_size},
                          {"compression", p.zstd_level ? "zstd-" + std::to_string(p.zstd_level) : "none"},
                          {"price_per_tb_month", p.price_per_tb_month},
                          {"drives", p.drives},
                          {"storage_classes", p.storage_classes}});
  j["buckets"] = json::array();
  uint64_t objects = 0, logical = 0, stored = 0;
  double cost = 0;
  for (const auto& b : usage) {
    j["buckets"].push_back({{"bucket", b.bucket}, {"classes", classes_json(b.classes)}});
    for (const auto& c : b.classes) {
      objects += c.objects;
      logical += c.logical_bytes;
      stored += c.stored_bytes;
      cost += c.monthly_cost;
    }
  }
  j["totals"] = {{"objects", objects}, {"logical_bytes", logical}, {"stored_bytes", stored}, {"monthly_cost", cost}};
  return j;
}

json simulation_json(const lifecycle::Simulation& sim) {
  json horizons = json::array();
  for (const auto& h : sim.horizons) {
    json j = totals_json(h.classes);
    j["days"] = h.days;
    j["expired_objects"] = h.expired_objects;
    j["expired_bytes"] = h.expired_bytes;
    j["transitioned_objects"] = h.transitioned_objects;
    j["transitioned_bytes"] = h.transitioned_bytes;
    horizons.push_back(std::move(j));
  }
  return {{"bucket", sim.bucket}, {"now", totals_json(sim.now)}, {"horizons", std::move(horizons)}};
}

}  // namespace silt::server
