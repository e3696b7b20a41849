#include "cmd/rados_init.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cmd/config_file.h"
#ifdef SILT_HAVE_RADOS
#include "rados/pool_init.h"
#endif

namespace silt {

namespace {

struct InitOptions {
  std::string config;
  std::string ceph_conf;
};

[[noreturn]] void fail(const std::string& why, int code) {
  std::cerr << "silt admin rados init: " << why << "\n";
  throw CLI::RuntimeError(code);
}

void run(const InitOptions& o) {
  auto fc = load_config_file(o.config);
  if (!fc) fail(fc.error().message, 2);
  if (fc->backend != "rados") fail(o.config + ": needs \"backend\": \"rados\" (docs/cluster.md)", 2);
  if (!o.ceph_conf.empty()) fc->rados.ceph_conf = o.ceph_conf;
#ifdef SILT_HAVE_RADOS
  const auto start = std::chrono::steady_clock::now();
  auto conn = rados::Connection::open(fc->rados.ceph_conf, fc->rados.client_id);
  if (!conn) fail(conn.error().message, 1);
  auto report = rados::init_pools(**conn, fc->rados);
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
}

}  // namespace silt
