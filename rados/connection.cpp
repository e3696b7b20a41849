#include "rados/connection.h"

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "util/parse.h"

namespace silt::rados {

bufferlist to_bl(std::string_view s) {
  bufferlist bl;
  bl.append(s.data(), static_cast<unsigned>(s.size()));
  return bl;
}

s3::Error rados_error(std::string_view what, std::string_view oid, int r) {
  std::string msg = "rados: " + std::string(what) + " " + std::string(oid) + ": " + std::strerror(-r);
  const bool retry = r == -ETIMEDOUT || r == -EAGAIN || r == -EBUSY || r == -ENOSPC || r == -EDQUOT;
  return s3::Error(retry ? s3::Code::SlowDown : s3::Code::InternalError, std::move(msg));
}

s3::Result<std::unique_ptr<Connection>> Connection::open(const std::string& conf, const std::string& client_id,
                                                         uint32_t osd_op_timeout_s) {
  std::unique_ptr<Connection> c(new Connection());
  int r = c->rados_.init(client_id.c_str());
  if (r < 0) return rados_error("init client", client_id, r);
  r = c->rados_.conf_read_file(conf.empty() ? nullptr : conf.c_str());
  if (r < 0) return rados_error("read", conf.empty() ? "the default ceph.conf" : conf, r);
  // A cluster that stops answering makes requests fail (503) instead of hanging
  // the server's blocking threads forever.
  for (const char* opt : {"rados_mon_op_timeout", "client_mount_timeout"}) (void)c->rados_.conf_set(opt, "30");
  (void)c->rados_.conf_set("rados_osd_op_timeout", std::to_string(osd_op_timeout_s).c_str());
  r = c->rados_.connect();
  if (r < 0) return rados_error("connect to the cluster of", conf, r);
  c->connected_ = true;
  return c;
}

Connection::~Connection() {
  if (connected_) rados_.shutdown();
}

s3::Result<librados::IoCtx> Connection::ioctx(const std::string& pool, const std::string& ns) {
  librados::IoCtx io;
  int r = rados_.ioctx_create(pool.c_str(), io);
  if (r == -ENOENT)
    return s3::Error(s3::Code::InternalError,
                     "RADOS pool " + pool + " does not exist (create it first, docs/cluster.md)");
  if (r < 0) return rados_error("open pool", pool, r);
  io.set_namespace(ns);
  return io;
}

s3::Result<std::string> Connection::mon_json(const std::string& command) {
  bufferlist out;
  std::string status;
  int r = rados_.mon_command(command, {}, &out, &status);
  if (r < 0) return rados_error("mon command " + command + " (" + status + ")", "", r);
  return out.to_str();
}

s3::Result<PoolProfile> Connection::profile(const std::string& pool) {
  using nlohmann::json;
  auto pools = mon_json(R"({"prefix": "osd pool ls", "detail": "detail", "format": "json"})");
  if (!pools) return pools.error();
  json list = json::parse(*pools, nullptr, false);
  if (!list.is_array()) return s3::Error(s3::Code::InternalError, "rados: unreadable `osd pool ls detail`");
  for (const auto& p : list) {
    if (p.value("pool_name", "") != pool) continue;
    PoolProfile out;
    const int size = p.value("size", 1);
    if (p.value("type", 1) != 3) {  // 1: replicated, 3: erasure
      out.k = 1;
      out.m = size > 1 ? size - 1 : 0;
      return out;
    }
    const std::string name = p.value("erasure_code_profile", "");
    auto prof = mon_json(json{{"prefix", "osd erasure-code-profile get"}, {"name", name}, {"format", "json"}}.dump());
    if (!prof) return prof.error();
    json j = json::parse(*prof, nullptr, false);
    std::optional<uint64_t> k, m;
    if (j.is_object() && j.contains("k") && j.contains("m") && j["k"].is_string() && j["m"].is_string()) {
      k = parse_u64(j["k"].get<std::string>());
      m = parse_u64(j["m"].get<std::string>());
    }
    if (!k || !m || *k < 1 || static_cast<int>(*k + *m) != size)
      return s3::Error(s3::Code::InternalError, "rados: pool " + pool + " has an unreadable EC profile " + name);
    out.erasure = true;
    out.k = static_cast<int>(*k);
    out.m = static_cast<int>(*m);
    return out;
  }
  return s3::Error(s3::Code::InternalError,
                   "RADOS pool " + pool + " does not exist (create it first, docs/cluster.md)");
}

}  // namespace silt::rados
