#include "rados/cluster_status.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "rados/connection.h"
#include "rados/pending.h"

namespace silt::rados {

namespace {

using nlohmann::json;

// Ceph's CRUSH_ITEM_NONE: an EC PG's shard with no OSD.
constexpr int64_t kNoOsd = 2147483647;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

s3::Result<json> parse(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return s3::Error(s3::Code::InternalError, "rados: unreadable answer to `" + std::string(what) + "`");
  return j;
}

int int_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::optional<uint64_t> u64_at(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

}  // namespace

s3::Status apply_status(std::string_view text, ClusterState& out) {
  auto j = parse(text, "status");
  if (!j) return j.error();
  const json& health = (*j)["health"];
  const std::string word = health.is_object() ? health.value("status", "") : "";
  out.health = word == "HEALTH_OK" ? CephHealth::Ok : word == "HEALTH_WARN" ? CephHealth::Warn : CephHealth::Err;
  out.health_checks.clear();
  if (health.is_object() && health.contains("checks") && health["checks"].is_object())
    for (const auto& [code, _] : health["checks"].items()) out.health_checks.push_back(code);
  if (j->contains("monmap") && (*j)["monmap"].is_object()) out.mons_total = int_at((*j)["monmap"], "num_mons");
  if (j->contains("quorum") && (*j)["quorum"].is_array()) out.mons_in_quorum = static_cast<int>((*j)["quorum"].size());
  if (j->contains("osdmap") && (*j)["osdmap"].is_object()) {
    const json& o = (*j)["osdmap"];
    out.osds_total = int_at(o, "num_osds");
    out.osds_up = int_at(o, "num_up_osds");
    out.osds_in = int_at(o, "num_in_osds");
  }
  out.mgr_available = j->contains("mgrmap") && (*j)["mgrmap"].is_object() && (*j)["mgrmap"].value("available", false);
  return {};
}

s3::Result<OsdMapView> parse_osd_dump(std::string_view text) {
  auto j = parse(text, "osd dump");
  if (!j) return j.error();
  OsdMapView v;
  if (auto e = u64_at(*j, "epoch")) v.epoch = *e;
  if (j->contains("pools") && (*j)["pools"].is_array())
    for (const auto& p : (*j)["pools"]) {
      if (!p.is_object()) continue;
      OsdMapPool pool;
      pool.id = int_at(p, "pool");
      pool.name = p.value("pool_name", "");
      pool.size = int_at(p, "size");
      pool.min_size = int_at(p, "min_size");
      pool.pg_num = int_at(p, "pg_num");
      pool.erasure = int_at(p, "type") == 3;  // 1: replicated, 3: erasure
      pool.ec_profile = p.value("erasure_code_profile", "");
      pool.stripe_width = u64_at(p, "stripe_width").value_or(0);
      v.pools.push_back(std::move(pool));
    }
  if (j->contains("osds") && (*j)["osds"].is_array())
    for (const auto& o : (*j)["osds"]) {
      if (!o.is_object()) continue;
      ++v.total;
      if (int_at(o, "up") == 1) v.up.insert(int_at(o, "osd"));
      if (int_at(o, "in") == 1) ++v.in;
    }
  return v;
}

s3::Result<int> live_acting(std::string_view text, const std::set<int>& up) {
  auto j = parse(text, "pg map");
  if (!j) return j.error();
  if (!j->contains("acting") || !(*j)["acting"].is_array())
    return s3::Error(s3::Code::InternalError, "rados: `pg map` without an acting set");
  int live = 0;
  for (const auto& osd : (*j)["acting"])
    if (osd.is_number_integer() && osd.get<int64_t>() != kNoOsd && up.count(osd.get<int>())) ++live;
  return live;
}

s3::Status apply_df(std::string_view text, std::vector<ClusterPool>& pools) {
  auto j = parse(text, "df");
  if (!j) return j.error();
  if (!j->contains("pools") || !(*j)["pools"].is_array()) return {};
  for (const auto& p : (*j)["pools"]) {
    if (!p.is_object() || !p.contains("stats") || !p["stats"].is_object()) continue;
    const std::string name = p.value("name", "");
    for (auto& pool : pools) {
      if (pool.name != name) continue;
      const json& s = p["stats"];
      pool.stored_bytes = u64_at(s, "stored");
      pool.used_bytes = u64_at(s, "bytes_used");
      pool.objects = u64_at(s, "objects");
    }
  }
  return {};
}

void count_pg(PgCounts& counts, int live, int size, int min_size) {
  ++counts.total;
  if (live < min_size || live == 0)
    ++counts.inactive;
  else if (live < size)
    ++counts.degraded;
  else
    ++counts.clean;
}

s3::Result<std::unique_ptr<ClusterMonitor>> ClusterMonitor::open(const RadosConfig& cfg, ClusterMonitorOptions opt,
                                                                 Backend* data) {
  auto conn = Connection::open(cfg.ceph_conf, cfg.client_id, cfg.op_timeout_s);
  if (!conn) return conn.error();
  // A silent monitor fails a refresh after this long (the gateway's own client waits 30 s):
  // the state turns unreachable sooner, and a gateway stopping then waits no longer for it.
  (void)(*conn)->cluster().conf_set("rados_mon_op_timeout", std::to_string(opt.mon_timeout_s).c_str());
  std::unique_ptr<ClusterMonitor> m(new ClusterMonitor(std::move(*conn), cfg, opt));
  m->data_ = data;
  m->thread_ = std::thread([p = m.get()] { p->run(); });
  return m;
}

ClusterMonitor::ClusterMonitor(std::unique_ptr<Connection> conn, const RadosConfig& cfg, ClusterMonitorOptions opt)
    : conn_(std::move(conn)), opt_(opt), inline_bytes_(cfg.inline_bytes) {
  ClusterPool index;
  index.name = cfg.index_pool;
  index.index = true;
  layout_.push_back(std::move(index));
  // One entry per RADOS pool, listing the silt pools (and their classes) stored in it.
  for (const auto& p : cfg.pools) {
    ClusterPool* pool = nullptr;
    for (auto& q : layout_)
      if (q.name == p.rados_pool) pool = &q;
    if (!pool) {
      layout_.push_back(ClusterPool{});
      pool = &layout_.back();
      pool->name = p.rados_pool;
    }
    pool->silt_pools.push_back(p.name);
    for (const auto& [cls, name] : cfg.storage_classes)
      if (name == p.name) pool->storage_classes.push_back(cls);
  }
}

ClusterMonitor::~ClusterMonitor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ClusterState ClusterMonitor::cluster_state() {
  std::lock_guard lock(mu_);
  ClusterState s = last_;
  s.inline_bytes = inline_bytes_;
  const int64_t age = now_ms() - s.measured_ms;
  if (s.measured_ms == 0) {
    s.reachable = false;
    s.error = last_error_.empty() ? "no answer from the monitors yet" : last_error_;
  } else if (!last_error_.empty()) {
    s.reachable = false;
    s.error = last_error_;
  } else if (age > opt_.stale_ms) {
    s.reachable = false;
    s.error = "no answer from the monitors for " + std::to_string(age / 1000) + " s";
  }
  return s;
}

s3::Result<PendingData> ClusterMonitor::pending_data() {
  if (!data_) return ClusterStatus::pending_data();
  return measure_pending(*data_);
}

void ClusterMonitor::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    auto s = refresh();
    lock.lock();
    if (s) {
      last_ = std::move(*s);
      last_error_.clear();
    } else {
      std::string why = "asking the monitors failed: " + s.error().message;
      if (last_error_ != why) spdlog::warn("cluster status: {}", why);
      last_error_ = std::move(why);
    }
    wake_.wait_for(lock, std::chrono::milliseconds(opt_.refresh_ms), [this] { return stop_; });
  }
}

s3::Result<std::pair<int, int>> ClusterMonitor::ec_profile(const std::string& pool) {
  // A pool's EC profile cannot change after it is created: asked once per pool.
  if (auto it = profiles_.find(pool); it != profiles_.end()) return it->second;
  auto prof = conn_->profile(pool);
  if (!prof) return prof.error();
  return profiles_[pool] = {prof->k, prof->m};
}

s3::Result<ClusterState> ClusterMonitor::refresh() {
  ClusterState s;
  auto status = conn_->mon_json(R"({"prefix": "status", "format": "json"})");
  if (!status) return status.error();
  if (auto a = apply_status(*status, s); !a) return a.error();
  auto dump = conn_->mon_json(R"({"prefix": "osd dump", "format": "json"})");
  if (!dump) return dump.error();
  auto map = parse_osd_dump(*dump);
  if (!map) return map.error();
  s.osdmap_epoch = map->epoch;
  s.pools = layout_;

  const bool remap = map->epoch != map_epoch_;
  if (remap) pg_counts_.clear();
  for (auto& pool : s.pools) {
    const OsdMapPool* in_map = nullptr;
    for (const auto& p : map->pools)
      if (p.name == pool.name) in_map = &p;
    if (!in_map) continue;  // a pool that does not exist has no PGs: not writable
    pool.size = in_map->size;
    pool.min_size = in_map->min_size;
    pool.erasure = in_map->erasure;
    pool.stripe_width = in_map->erasure ? in_map->stripe_width : 0;
    if (in_map->erasure) {
      auto km = ec_profile(pool.name);
      if (!km) return km.error();
      std::tie(pool.k, pool.m) = *km;
    } else {
      pool.k = 1;
      pool.m = in_map->size > 0 ? in_map->size - 1 : 0;
    }
    if (remap) {
      PgCounts counts;
      for (int ps = 0; ps < in_map->pg_num; ++ps) {
        std::string pgid = std::to_string(in_map->id) + "." + fmt::format("{:x}", ps);
        auto text = conn_->mon_json(json{{"prefix", "pg map"}, {"pgid", pgid}, {"format", "json"}}.dump());
        if (!text) return text.error();
        auto live = live_acting(*text, map->up);
        if (!live) return live.error();
        count_pg(counts, *live, in_map->size, in_map->min_size);
      }
      pg_counts_[pool.name] = counts;
    }
    pool.pgs = pg_counts_[pool.name];
  }
  map_epoch_ = map->epoch;

  // Pool usage lives in the mgr's statistics: without a mgr `df` lists no pool.
  if (s.mgr_available) {
    auto df = conn_->mon_json(R"({"prefix": "df", "format": "json"})");
    if (!df) return df.error();
    if (auto a = apply_df(*df, s.pools); !a) return a.error();
  }
  s.reachable = true;
  s.measured_ms = now_ms();
  return s;
}

}  // namespace silt::rados
