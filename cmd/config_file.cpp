#include "cmd/config_file.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace silt {

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

// Same drives, same price per stored TB: the cold pool is cheaper only by what
// zstd saves. Parity stays 2, so cold data survives as many lost drives as hot.
constexpr double kDefaultPrice = 20.0;
constexpr int kDefaultColdZstd = 3;

std::string resolve(const stdfs::path& base, const std::string& p) {
  stdfs::path path(p);
  return path.is_absolute() ? path.string() : (base / path).lexically_normal().string();
}

// The RADOS backend's settings (docs/cluster.md): the "rados" section and the pools,
// each naming its rados_pool. Throws json::exception on a value of the wrong type.
s3::Status load_rados_section(const json& j, const stdfs::path& base, RadosConfig& out) {
  const json& r = j.contains("rados") ? j.at("rados") : json::object();
  if (!r.is_object()) return s3::Error(s3::Code::InvalidArgument, "\"rados\" must be an object");
  if (r.contains("ceph_conf")) out.ceph_conf = resolve(base, r.at("ceph_conf").get<std::string>());
  out.client_id = r.value("client_id", out.client_id);
  out.index_pool = r.value("index_pool", out.index_pool);
  out.name_space = r.value("namespace", out.name_space);
  out.stripe_bytes = r.value("stripe_bytes", out.stripe_bytes);
  out.inline_bytes = r.value("inline_bytes", out.inline_bytes);
  out.writes_in_flight = r.value("writes_in_flight", out.writes_in_flight);
  out.reads_ahead = r.value("reads_ahead", out.reads_ahead);
  out.gc_grace_ms = static_cast<int64_t>(r.value("gc_grace_seconds", out.gc_grace_ms / 1000.0) * 1000);
  out.gc_interval_ms = static_cast<int64_t>(r.value("gc_interval_seconds", out.gc_interval_ms / 1000.0) * 1000);
  out.intent_timeout_ms =
      static_cast<int64_t>(r.value("intent_timeout_seconds", out.intent_timeout_ms / 1000.0) * 1000);
  out.watch_timeout_s = r.value("watch_timeout_seconds", out.watch_timeout_s);
  out.op_timeout_s = r.value("op_timeout_seconds", out.op_timeout_s);
  out.split_entries = r.value("split_entries", out.split_entries);
  out.split_timeout_ms = static_cast<int64_t>(r.value("split_timeout_seconds", out.split_timeout_ms / 1000.0) * 1000);
  out.failure_domain = r.value("failure_domain", out.failure_domain);
  out.pg_num = r.value("pg_num", out.pg_num);
  for (const auto& p : j.at("pools")) {
    RadosPoolConfig pc;
    pc.name = p.at("name").get<std::string>();
    pc.rados_pool = p.at("rados_pool").get<std::string>();
    pc.zstd_level = p.value("zstd_level", 0);
    pc.price_per_tb_month = p.value("price_per_tb_month", 0.0);
    pc.k = p.value("k", 0);
    pc.m = p.value("m", 0);
    pc.ec_profile = p.value("ec_profile", "");
    out.pools.push_back(std::move(pc));
  }
  return {};
}

}  // namespace

ErasureConfig default_pools(const std::vector<std::string>& drives, int parity, uint32_t block_size) {
  ErasureConfig c;
  c.pools.push_back(PoolConfig{"standard", drives, parity, block_size, 0, kDefaultPrice});
  c.pools.push_back(PoolConfig{"cold", drives, parity, block_size, kDefaultColdZstd, kDefaultPrice});
  // Every class AWS serves at once has a home, so clients that name one work unchanged
  // (duplicity --s3-use-onezone-ia, older tools' REDUCED_REDUNDANCY). silt never keeps
  // less redundancy than asked: REDUCED_REDUNDANCY and ONEZONE_IA get full parity.
  // INTELLIGENT_TIERING is reported as itself and stored as STANDARD until access-based
  // tiering exists.
  c.storage_classes = {{"STANDARD", "standard"},
                       {"STANDARD_IA", "cold"},
                       {"GLACIER_IR", "cold"},
                       {"ONEZONE_IA", "cold"},
                       {"REDUCED_REDUNDANCY", "standard"},
                       {"INTELLIGENT_TIERING", "standard"}};
  return c;
}

s3::Result<FileConfig> load_config_file(const std::string& path) {
  auto fail = [&](const std::string& why) { return s3::Error(s3::Code::InvalidArgument, path + ": " + why); };
  std::ifstream in(path);
  if (!in) return fail("cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false, /*ignore_comments=*/true);
  if (j.is_discarded() || !j.is_object()) return fail("not a JSON object");
  const stdfs::path base = stdfs::absolute(path).parent_path();
  FileConfig out;
  try {
    out.backend = j.value("backend", "erasure");
    if (out.backend == "rados") {
      if (auto s = load_rados_section(j, base, out.rados); !s) return fail(s.error().message);
    } else if (out.backend != "erasure") {
      return fail("backend must be \"erasure\" or \"rados\"");
    }
    if (out.backend == "erasure") out.erasure.index_dir = resolve(base, j.at("index").get<std::string>());
    for (const auto& p : out.backend == "erasure" ? j.at("pools") : json::array()) {
      PoolConfig pc;
      pc.name = p.at("name").get<std::string>();
      for (const auto& d : p.at("drives")) pc.drives.push_back(resolve(base, d.get<std::string>()));
      pc.parity = p.value("parity", 2);
      pc.block_size = p.value("block_size", 1u << 20);
      pc.zstd_level = p.value("zstd_level", 0);
      pc.price_per_tb_month = p.value("price_per_tb_month", 0.0);
      out.erasure.pools.push_back(std::move(pc));
    }
    for (const auto& [cls, pool] : j.at("storage_classes").items())
      (out.backend == "erasure" ? out.erasure.storage_classes : out.rados.storage_classes)
          .emplace_back(cls, pool.get<std::string>());
    if (j.contains("lifecycle")) {
      const json& l = j["lifecycle"];
      out.lifecycle.day_ms = static_cast<int64_t>(l.value("day_seconds", 86400.0) * 1000);
      out.lifecycle.interval_ms = static_cast<int64_t>(l.value("interval_seconds", 3600.0) * 1000);
      out.lifecycle.objects_per_second = l.value("objects_per_second", out.lifecycle.objects_per_second);
      out.lifecycle.bytes_per_second = l.value("bytes_per_second", out.lifecycle.bytes_per_second);
      out.lifecycle.lease_ms = static_cast<int64_t>(l.value("lease_seconds", 90.0) * 1000);
      out.lifecycle.page_versions = l.value("page_versions", out.lifecycle.page_versions);
    }
  } catch (const json::exception& e) {
    return fail(e.what());
  }
  if (out.erasure.pools.empty() && out.rados.pools.empty()) return fail("no pools");
  if (out.lifecycle.day_ms <= 0) return fail("lifecycle.day_seconds must be positive");
  // Renewed at half the duration: under 2 s a busy gateway would lose it between checks.
  if (out.lifecycle.lease_ms < 2000) return fail("lifecycle.lease_seconds must be at least 2");
  if (out.lifecycle.page_versions < 1 || out.lifecycle.page_versions > 1000)
    return fail("lifecycle.page_versions must be 1 to 1000");
  return out;
}

}  // namespace silt
