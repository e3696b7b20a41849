#include "cmd/rados_init.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "cmd/config_file.h"
#include "cmd/rados_orphans.h"
#ifdef SILT_HAVE_RADOS
#include "rados/pool_init.h"
#include "rados/rebuild.h"
#endif

namespace silt {

namespace {

struct InitOptions {
  std::string config;
  std::string ceph_conf;
};

[[maybe_unused]] unsigned long long ull(uint64_t v) {
  return static_cast<unsigned long long>(v);
}

[[noreturn]] void fail(std::string_view command, const std::string& why, int code) {
  std::cerr << "silt admin rados " << command << ": " << why << "\n";
  throw CLI::RuntimeError(code);
}

[[noreturn]] void fail(const std::string& why, int code) {
  fail("init", why, code);
}

// The config file of a `rados` command, with --ceph-conf applied; exits 2 when unusable.
FileConfig load_rados_config(std::string_view command, const std::string& path, const std::string& ceph_conf) {
  auto fc = load_config_file(path);
  if (!fc) fail(command, fc.error().message, 2);
  if (fc->backend != "rados") fail(command, path + ": needs \"backend\": \"rados\" (docs/cluster.md)", 2);
  if (!ceph_conf.empty()) fc->rados.ceph_conf = ceph_conf;
  return std::move(*fc);
}

void run(const InitOptions& o) {
  auto fc = load_rados_config("init", o.config, o.ceph_conf);
#ifdef SILT_HAVE_RADOS
  const auto start = std::chrono::steady_clock::now();
  auto conn = rados::Connection::open(fc.rados.ceph_conf, fc.rados.client_id, fc.rados.op_timeout_s);
  if (!conn) fail(conn.error().message, 1);
  auto report = rados::init_pools(**conn, fc.rados);
  if (!report) fail(report.error().message, 1);
  for (const auto& s : report->steps) std::printf("%s: %s\n", s.what.c_str(), s.note.c_str());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (report->changes() == 0)
    std::printf("no change: the cluster has every profile and pool of %s (%.2f s)\n", o.config.c_str(), secs);
  else
    std::printf("%d created or changed (%.2f s)\n", report->changes(), secs);
#else
  fail("this silt was built without librados (meson -Drados=enabled needs librados-dev and libradospp-dev)", 2);
#endif
}

struct RebuildOptions {
  std::string config;
  std::string ceph_conf;
  std::string bucket;
};

[[noreturn]] void rebuild_fail(const std::string& why, int code) {
  fail("rebuild-index", why, code);
}

void run_rebuild(const RebuildOptions& o) {
  auto fc = load_rados_config("rebuild-index", o.config, o.ceph_conf);
#ifdef SILT_HAVE_RADOS
  const auto start = std::chrono::steady_clock::now();
  rados::Backend b;
  b.cfg = fc.rados;
  auto conn = rados::Connection::open(b.cfg.ceph_conf, b.cfg.client_id, b.cfg.op_timeout_s);
  if (!conn) rebuild_fail(conn.error().message, 1);
  b.conn = std::move(*conn);
  auto index = b.conn->ioctx(b.cfg.index_pool, b.cfg.name_space);
  if (!index) rebuild_fail(index.error().message, 1);
  b.index = std::move(*index);
  for (const auto& pc : b.cfg.pools) {
    auto io = b.conn->ioctx(pc.rados_pool, b.cfg.name_space);
    if (!io) rebuild_fail(io.error().message, 1);
    auto dp = std::make_unique<rados::DataPool>();
    dp->cfg = pc;
    dp->io = std::move(*io);
    b.pools.push_back(std::move(dp));
  }
  auto rep = rados::rebuild_from_data(b, o.bucket);
  if (!rep) rebuild_fail(rep.error().message, 1);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("restored index entries from %zu data pools in %.2f s\n", b.pools.size(), secs);
  std::printf("  data objects     %llu looked at, %llu with a record copy\n", ull(rep->objects), ull(rep->records));
  std::printf("  versions         %llu restored, %llu already present\n", ull(rep->restored), ull(rep->present));
  std::printf("  latest (O)       %llu restored\n", ull(rep->latest_restored));
  std::printf("  skipped          %llu data objects missing, %llu awaiting GC, %llu unreadable records\n",
              ull(rep->skipped_missing_data), ull(rep->skipped_gc), ull(rep->skipped_unreadable));
  std::printf("  missing buckets  %zu (%llu records; not recreated)", rep->missing_buckets.size(),
              ull(rep->skipped_no_bucket));
  for (const auto& name : rep->missing_buckets) std::printf(" %s", name.c_str());
  std::printf("\n");
  std::printf("inlined versions (<= inline_bytes) and delete markers have no data object: not restorable\n");
#else
  rebuild_fail("this silt was built without librados (meson -Drados=enabled needs librados-dev and libradospp-dev)", 2);
#endif
}

}  // namespace

void add_rados_init_command(CLI::App& admin) {
  CLI::App* rados = admin.add_subcommand("rados", "The Ceph cluster of the RADOS backend (docs/cluster.md)");
  rados->require_subcommand(1);
  auto o = std::make_shared<InitOptions>();
  CLI::App* init = rados->add_subcommand(
      "init", "Create the EC profiles and pools the config names (idempotent; never changes an existing one)");
  init->add_option("--config", o->config, "silt's config file with \"backend\": \"rados\"")->required();
  init->add_option("--ceph-conf", o->ceph_conf, "The cluster's ceph.conf (default: the config's rados.ceph_conf)");
  init->callback([o] { run(*o); });

  auto ro = std::make_shared<RebuildOptions>();
  CLI::App* rebuild = rados->add_subcommand(
      "rebuild-index", "Restore missing O/V index entries from the record copies on the data (idempotent)");
  rebuild->add_option("--config", ro->config, "silt's config file with \"backend\": \"rados\"")->required();
  rebuild->add_option("--ceph-conf", ro->ceph_conf, "The cluster's ceph.conf (default: the config's rados.ceph_conf)");
  rebuild->add_option("--bucket", ro->bucket, "Only this bucket (default: every bucket of silt.root)");
  rebuild->callback([ro] { run_rebuild(*ro); });

  add_rados_orphans_command(*rados);
}

}  // namespace silt
