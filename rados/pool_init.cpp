#include "rados/pool_init.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace silt::rados {

namespace {

using nlohmann::json;

constexpr const char* kApplication = "silt";
constexpr int kReplicated = 1;  // pg_pool_t::TYPE_REPLICATED in `osd dump`
constexpr int kErasure = 3;     // pg_pool_t::TYPE_ERASURE

s3::Error conflict(const std::string& why) {
  return s3::Error(s3::Code::InvalidArgument, why);
}

// A pool as `osd dump` has it.
struct ClusterPool {
  int type = 0;
  std::string profile;
  std::set<std::string> applications;
};

s3::Result<json> mon(Connection& conn, json cmd) {
  cmd["format"] = "json";
  auto out = conn.mon_json(cmd.dump());
  if (!out) return out.error();
  if (out->empty()) return json();  // commands that change something print nothing
  json j = json::parse(*out, nullptr, false);
  if (j.is_discarded()) return s3::Error(s3::Code::InternalError, "rados: unreadable output of " + cmd.dump());
  return j;
}

s3::Result<std::map<std::string, ClusterPool>> cluster_pools(Connection& conn) {
  auto dump = mon(conn, {{"prefix", "osd dump"}});
  if (!dump) return dump.error();
  std::map<std::string, ClusterPool> out;
  for (const auto& p : dump->value("pools", json::array())) {
    ClusterPool cp;
    cp.type = p.value("type", 0);
    cp.profile = p.value("erasure_code_profile", "");
    const json apps = p.value("application_metadata", json::object());  // items() must not outlive it
    for (const auto& [app, _] : apps.items()) cp.applications.insert(app);
    out[p.value("pool_name", "")] = std::move(cp);
  }
  return out;
}

// "k=2" -> {"k", "2"}
std::pair<std::string, std::string> split_kv(const std::string& kv) {
  auto eq = kv.find('=');
  return {kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1)};
}

std::string joined(const std::vector<std::string>& spec) {
  std::string out;
  for (const auto& kv : spec) out += (out.empty() ? "" : " ") + kv;
  return out;
}

// An existing profile matches when every key silt sets has silt's value; keys Ceph
// added itself (crush-root, w, ...) do not matter.
s3::Status check_profile(Connection& conn, const std::string& name, const std::vector<std::string>& spec) {
  auto have = mon(conn, {{"prefix", "osd erasure-code-profile get"}, {"name", name}});
  if (!have) return have.error();
  for (const auto& kv : spec) {
    auto [key, want] = split_kv(kv);
    const std::string got = have->contains(key) && (*have)[key].is_string() ? (*have)[key].get<std::string>() : "";
    if (got != want)
      return conflict("EC profile " + name + " exists with " + key + "=" + (got.empty() ? "(unset)" : got) +
                      ", the config wants " + joined(spec) +
                      " (silt does not change a profile: remove it or name another with \"ec_profile\")");
  }
  return {};
}

// The pool as the config wants it, checked against the cluster's.
s3::Status check_pool(const std::string& name, const ClusterPool& have, int type, const std::string& profile) {
  auto kind = [](int t, const std::string& p) {
    return t == kReplicated ? std::string("replicated")
           : t == kErasure  ? "EC profile " + p
                            : "of type " + std::to_string(t);
  };
  if (have.type != type || have.profile != profile)
    return conflict("pool " + name + " exists " + kind(have.type, have.profile) + ", the config wants it " +
                    kind(type, profile) + " (silt does not change an existing pool)");
  if (!have.applications.empty() && !have.applications.count(kApplication))
    return conflict("pool " + name + " belongs to application " + *have.applications.begin() + ", not silt");
  return {};
}

}  // namespace

int InitReport::changes() const {
  int n = 0;
  for (const auto& s : steps) n += s.created ? 1 : 0;
  return n;
}

std::string profile_name(const RadosPoolConfig& p) {
  if (!p.ec_profile.empty()) return p.ec_profile;
  return "silt-isa-" + std::to_string(p.k) + "-" + std::to_string(p.m);
}

std::vector<std::string> profile_spec(const RadosPoolConfig& p, const std::string& failure_domain) {
  return {"plugin=isa", "k=" + std::to_string(p.k), "m=" + std::to_string(p.m),
          "crush-failure-domain=" + failure_domain, "technique=reed_sol_van"};
}

s3::Result<InitReport> init_pools(Connection& conn, const RadosConfig& cfg) {
  if (cfg.pg_num < 1) return conflict("rados.pg_num must be at least 1");
  // What the config asks for: profile name -> spec, data pool -> profile name.
  std::map<std::string, std::vector<std::string>> profiles;
  std::map<std::string, std::string> data_pools;
  for (const auto& p : cfg.pools) {
    if (p.k < 1 || p.m < 1)
      return conflict("pool " + p.name + " (" + p.rados_pool + ") needs \"k\" and \"m\" (EC data and coding chunks)");
    if (p.rados_pool == cfg.index_pool)
      return conflict("pool " + p.name + ": " + p.rados_pool + " is the index pool, which must be replicated");
    const std::string prof = profile_name(p);
    auto spec = profile_spec(p, cfg.failure_domain);
    if (auto [it, fresh] = profiles.emplace(prof, spec); !fresh && it->second != spec)
      return conflict("EC profile " + prof + " is named for two different specs");
    if (auto [it, fresh] = data_pools.emplace(p.rados_pool, prof); !fresh && it->second != prof)
      return conflict("RADOS pool " + p.rados_pool + " is named with two EC profiles");
  }

  // Check everything first: a conflict must leave the cluster as it was.
  auto names = mon(conn, {{"prefix", "osd erasure-code-profile ls"}});
  if (!names) return names.error();
  std::set<std::string> have_profiles;
  for (const auto& n : *names)
    if (n.is_string()) have_profiles.insert(n.get<std::string>());
  for (const auto& [name, spec] : profiles)
    if (have_profiles.count(name))
      if (auto s = check_profile(conn, name, spec); !s) return s.error();
  auto pools = cluster_pools(conn);
  if (!pools) return pools.error();
  if (auto it = pools->find(cfg.index_pool); it != pools->end())
    if (auto s = check_pool(cfg.index_pool, it->second, kReplicated, ""); !s) return s.error();
  for (const auto& [pool, prof] : data_pools)
    if (auto it = pools->find(pool); it != pools->end())
      if (auto s = check_pool(pool, it->second, kErasure, prof); !s) return s.error();

  InitReport report;
  for (const auto& [name, spec] : profiles) {
    InitStep step{"profile " + name + " (" + joined(spec) + ")", false, "exists"};
    if (!have_profiles.count(name)) {
      auto r = mon(conn, {{"prefix", "osd erasure-code-profile set"}, {"name", name}, {"profile", spec}});
      if (!r) return r.error();
      step.created = true;
      step.note = "created";
    }
    report.steps.push_back(std::move(step));
  }
  auto ensure_pool = [&](const std::string& pool, const std::string& prof) -> s3::Status {
    InitStep step{"pool " + pool + (prof.empty() ? " (replicated, index)" : " (EC " + prof + ")"), false, "exists"};
    auto it = pools->find(pool);
    if (it == pools->end()) {
      json cmd = {{"prefix", "osd pool create"},
                  {"pool", pool},
                  {"pg_num", cfg.pg_num},
                  {"pgp_num", cfg.pg_num},
                  {"pool_type", prof.empty() ? "replicated" : "erasure"}};
      if (!prof.empty()) cmd["erasure_code_profile"] = prof;
      if (auto r = mon(conn, cmd); !r) return r.error();
      step.created = true;
      step.note = "created";
    }
    // Without an application tag the mon reports POOL_APP_NOT_ENABLED (HEALTH_WARN).
    if (it == pools->end() || !it->second.applications.count(kApplication)) {
      if (auto r = mon(conn, {{"prefix", "osd pool application enable"}, {"pool", pool}, {"app", kApplication}}); !r)
        return r.error();
      step.note += step.created ? ", application silt" : ", application silt enabled";
      step.created = true;
    }
    report.steps.push_back(std::move(step));
    return {};
  };
  if (auto s = ensure_pool(cfg.index_pool, ""); !s) return s.error();
  for (const auto& [pool, prof] : data_pools)
    if (auto s = ensure_pool(pool, prof); !s) return s.error();
  return report;
}

}  // namespace silt::rados
