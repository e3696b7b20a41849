#include "cmd/rados_orphans.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cmd/config_file.h"
#ifdef SILT_HAVE_RADOS
#include "rados/orphans.h"
#include "util/time.h"
#endif

namespace silt {

namespace {

struct OrphanOptions {
  std::string config;
  std::string ceph_conf;
  double intent_timeout_s = 0;  // 0: the config's
};

// Exit 2, not 1: 1 means "found something", and a script must not read an error as that.
[[noreturn]] void fail(const std::string& why) {
  std::cerr << "silt admin rados orphans: " << why << "\n";
  throw CLI::RuntimeError(2);
}

#ifdef SILT_HAVE_RADOS
// A backend holding only the connection, the index and the data pools: no gateway threads.
std::unique_ptr<rados::Backend> open_pools(const RadosConfig& cfg) {
  auto b = std::make_unique<rados::Backend>();
  b->cfg = cfg;
  auto conn = rados::Connection::open(cfg.ceph_conf, cfg.client_id, cfg.op_timeout_s);
  if (!conn) fail(conn.error().message);
  b->conn = std::move(*conn);
  auto index = b->conn->ioctx(cfg.index_pool, cfg.name_space);
  if (!index) fail(index.error().message);
  b->index = std::move(*index);
  for (const auto& pc : cfg.pools) {
    auto io = b->conn->ioctx(pc.rados_pool, cfg.name_space);
    if (!io) fail(io.error().message);
    auto dp = std::make_unique<rados::DataPool>();
    dp->cfg = pc;
    dp->io = std::move(*io);
    b->pools.push_back(std::move(dp));
  }
  return b;
}

unsigned long long ull(uint64_t v) {
  return static_cast<unsigned long long>(v);
}
#endif

void run(const OrphanOptions& o) {
  auto fc = load_config_file(o.config);
  if (!fc) fail(fc.error().message);
  if (fc->backend != "rados") fail(o.config + ": needs \"backend\": \"rados\" (docs/cluster.md)");
  if (!o.ceph_conf.empty()) fc->rados.ceph_conf = o.ceph_conf;
  if (o.intent_timeout_s < 0) fail("--intent-timeout must not be negative");
  if (o.intent_timeout_s > 0) fc->rados.intent_timeout_ms = static_cast<int64_t>(o.intent_timeout_s * 1000);
#ifdef SILT_HAVE_RADOS
  const auto start = std::chrono::steady_clock::now();
  auto b = open_pools(fc->rados);
  auto rep = rados::find_orphans(*b, now_ms());
  if (!rep) fail(rep.error().message);
  for (const auto& x : rep->orphans)
    std::printf("orphan %s %s %llu bytes, %lld s old\n", x.pool.c_str(), x.oid.c_str(), ull(x.size),
                static_cast<long long>(x.age_s));
  for (const auto& x : rep->stale_intents)
    std::printf("stale-intent %s %s key=%s pool=%s %lld s old, %llu data objects\n", x.shard.c_str(), x.data_id.c_str(),
                x.key.c_str(), x.pool.c_str(), static_cast<long long>(x.age_s), ull(x.data_objects));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("checked %llu index shards (%llu data ids named) and %llu data objects in %zu pools in %.2f s\n",
              ull(rep->shards), ull(rep->named), ull(rep->data_objects), b->pools.size(), secs);
  std::printf("  orphans          %zu (%llu looked at twice; %llu objects without silt's data names, not judged)\n",
              rep->orphans.size(), ull(rep->rechecked), ull(rep->foreign));
  std::printf("  stale intents    %zu (older than %lld s)\n", rep->stale_intents.size(),
              static_cast<long long>(b->cfg.intent_timeout_ms / 1000));
  if (!rep->clean()) throw CLI::RuntimeError(1);
#else
  fail("this silt was built without librados (meson -Drados=enabled needs librados-dev and libradospp-dev)");
#endif
}

}  // namespace

void add_rados_orphans_command(CLI::App& rados) {
  auto o = std::make_shared<OrphanOptions>();
  CLI::App* cmd = rados.add_subcommand(
      "orphans", "List data objects no index entry names and write intents older than the timeout (read-only)");
  cmd->add_option("--config", o->config, "silt's config file with \"backend\": \"rados\"")->required();
  cmd->add_option("--ceph-conf", o->ceph_conf, "The cluster's ceph.conf (default: the config's rados.ceph_conf)");
  cmd->add_option("--intent-timeout", o->intent_timeout_s,
                  "Seconds after which a write intent is stale (default: the config's rados.intent_timeout_seconds)");
  cmd->footer(
      "Exit 0: nothing found. 1: orphans or stale intents, one line each. 2: an unusable config or a cluster error.\n"
      "Safe beside running gateways: what is unnamed at first is looked at again after a second walk of the index.\n"
      "A stale intent is swept by the next GC pass of any gateway; an orphan is removed by hand (rados rm).");
  cmd->callback([o] { run(*o); });
}

}  // namespace silt
