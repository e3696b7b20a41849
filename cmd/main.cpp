// silt: an S3-compatible object store. `silt server` runs it.
#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "auth/user_store.h"
#include "cmd/admin_cli.h"
#include "cmd/bootstrap_buckets.h"
#include "cmd/config_file.h"
#include "cmd/migrate.h"
#include "cmd/rados_init.h"
#include "cmd/rados_users.h"
#include "cmd/rebuild_index.h"
#include "cmd/root_credentials.h"
#include "cmd/sse_keys.h"
#include "cmd/volume_args.h"
#include "erasure/erasure_config.h"
#include "erasure/erasure_object_layer.h"
#include "erasure/healer.h"
#include "lifecycle/worker.h"
#include "object/cluster_status.h"
#include "rados/rados_config.h"
#ifdef SILT_HAVE_RADOS
#include "rados/cluster_status.h"
#include "rados/rados_object_layer.h"
#endif
#include "server/http/server.h"
#include "server/http/zero_copy.h"
#include "util/parse.h"

namespace fs = std::filesystem;

namespace {

// Documented in README.md; refused anywhere but loopback.
constexpr const char* kDevUser = "siltadmin";
constexpr const char* kDevPassword = "siltadmin-secret";
constexpr int kDataDirDrives = 6;
constexpr int kDefaultParity = 2;
constexpr int kBlockingThreadsDrives = 8;
constexpr int kBlockingThreadsRados = 32;

struct ServerOptions {
  std::string data;
  std::vector<std::string> dirs;  // positional, MinIO style: one folder, or one per drive
  std::vector<std::string> drives;
  std::string index;
  int parity = kDefaultParity;
  std::string address;          // empty: $SILT_ADDRESS, else 127.0.0.1:9000
  std::string console_address;  // MinIO's; accepted and ignored
  bool parity_given = false;
  std::string region = "us-east-1";
  int blocking_threads = 0;  // 0: by backend (kBlockingThreadsDrives / kBlockingThreadsRados)
  int commit_threads = silt::server::Config{}.commit_threads;
  std::string domain;
  uint32_t block_size = 1 << 20;
  uint64_t inline_threshold = 128 * 1024;  // bytes; 0: small objects get data dirs like the rest
  uint64_t segment_size = 64u << 20;
  std::string log_level = "info";
  int idle_timeout = 75;
  int io_timeout = 120;
  std::string config;
  std::string users_file;                 // empty: users.json beside the index directory
  double lifecycle_day_seconds = 0;       // 0: from the config file, else a real day
  double lifecycle_interval = -1;         // seconds; < 0: from the config file, else an hour
  double lifecycle_lease = 0;             // seconds; 0: from the config file, else 90
  std::string gateway_id;                 // empty: <host name>:<port>
  double scrub_interval = 7 * 24 * 3600;  // seconds between scrub passes; 0: never
  double scrub_rate = 32;                 // MiB/s a scrub reads; 0: unlimited
  double drive_check_interval = 10;       // seconds
  std::string certs_dir;
  bool certs_dir_given = false;    // else SILT_CERTS_DIR, else MinIO's default if it holds a pair
  std::string metrics_token;       // empty: /_silt/metrics is open
  double metrics_usage_ttl = 300;  // seconds the silt_storage_* figures are reused
  std::string access_log;          // empty: none; "-": stdout
  size_t max_connections = silt::server::Config{}.max_connections;
  size_t max_connections_per_ip = silt::server::Config{}.max_connections_per_ip;
  bool no_zero_copy = false;        // --no-zero-copy
  std::string backend;              // empty: the config file's, else erasure
  std::string ceph_conf;            // --backend rados
  std::string sse_master_key_file;  // empty: SILT_SSE_MASTER_KEY, else no SSE-S3
  std::string sse_keyring_file;     // empty: no SSE-KMS
};

// This machine's name, the first part of a gateway's default id in lifecycle leases.
std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "silt";
  return buf;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool split_address(const std::string& addr, silt::server::Config& cfg) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  cfg.host = addr.substr(0, colon);
  if (cfg.host.size() > 1 && cfg.host.front() == '[' && cfg.host.back() == ']')
    cfg.host = cfg.host.substr(1, cfg.host.size() - 2);
  if (cfg.host.empty()) cfg.host = "0.0.0.0";
  auto port = silt::parse_u64(std::string_view(addr).substr(colon + 1));
  if (!port || *port > 65535) return false;
  cfg.port = static_cast<uint16_t>(*port);
  return true;
}

// --certs-dir, else SILT_CERTS_DIR (set but empty: no TLS), else ${HOME}/.minio/certs when it
// holds both files, as MinIO would use it. Empty: plain HTTP.
std::string certs_dir(const ServerOptions& o) {
  if (o.certs_dir_given) return o.certs_dir;
  if (const char* env = std::getenv("SILT_CERTS_DIR")) return env;
  const char* home = std::getenv("HOME");
  if (!home || !*home) return {};
  fs::path minio = fs::path(home) / ".minio" / "certs";
  std::error_code err;
  if (fs::is_regular_file(minio / "public.crt", err) && fs::is_regular_file(minio / "private.key", err)) {
    spdlog::info("TLS: using MinIO's default certificate directory {}", minio.string());
    return minio.string();
  }
  return {};
}

// The embedded default: DIR/drive-1 ... DIR/drive-6 and DIR/index, created on first start.
std::vector<std::string> data_dir_drives(const fs::path& dir) {
  std::vector<std::string> drives;
  for (int i = 1; i <= kDataDirDrives; i++) {
    fs::path d = dir / ("drive-" + std::to_string(i));
    fs::create_directories(d);
    drives.push_back(d.string());
  }
  return drives;
}

// A volume MinIO wrote to: silt would start empty beside MinIO's data, so say so.
void warn_if_minio_data(const fs::path& dir) {
  std::error_code err;
  if (fs::exists(dir / ".minio.sys", err))
    spdlog::warn(
        "{} holds MinIO data (.minio.sys): silt cannot read MinIO's format and serves none of it; copy "
        "the buckets over instead (docs/migrate-from-minio.md)",
        dir.string());
}

// The RADOS backend exists only in builds that found librados (docs/cluster.md).
s3::Result<std::unique_ptr<silt::ObjectLayer>> open_rados(const silt::RadosConfig& cfg) {
#ifdef SILT_HAVE_RADOS
  return silt::open_rados_object_layer(cfg);
#else
  (void)cfg;
  return s3::Error(s3::Code::InternalError,
                   "this silt was built without librados (meson -Drados=enabled needs librados-dev and "
                   "libradospp-dev)");
#endif
}

// The cluster's state from its monitors (rados/cluster_status.h): health probes, metrics,
// admin status and the console's cluster panel, and the data awaiting GC the usage check
// counts (walked in layer's index). Only with a RADOS layer, which must outlive it.
s3::Result<std::unique_ptr<silt::ClusterStatus>> open_cluster_status(const silt::RadosConfig& cfg,
                                                                     silt::ObjectLayer& layer) {
#ifdef SILT_HAVE_RADOS
  auto* rl = dynamic_cast<silt::RadosObjectLayer*>(&layer);
  auto m = silt::rados::ClusterMonitor::open(cfg, {}, rl ? &rl->backend() : nullptr);
  if (!m) return m.error();
  return std::unique_ptr<silt::ClusterStatus>(std::move(*m));
#else
  (void)cfg, (void)layer;
  return s3::Error(s3::Code::InternalError, "this silt was built without librados");
#endif
}

// Only a RADOS layer reaches here (open_rados refused otherwise).
s3::Result<silt::ClusterUsers> open_users_in_cluster(silt::ObjectLayer& layer, const silt::auth::Credential& root) {
#ifdef SILT_HAVE_RADOS
  return silt::open_cluster_users(layer, root);
#else
  (void)layer, (void)root;
  return s3::Error(s3::Code::InternalError, "this silt was built without librados");
#endif
}

const char* env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// MinIO's positional drive arguments (or MINIO_VOLUMES): one folder is --data; several are
// one drive each, with the index in the first (FIRST/.silt/index) and a parity that leaves
// at least as many data shards (1 up to three drives, else 2) unless --parity says otherwise.
bool resolve_positional(ServerOptions& o) {
  std::vector<std::string> args = o.dirs;
  const char* volumes = env_or_null("MINIO_VOLUMES");
  auto dirs = args.empty() && volumes ? silt::expand_volume_list(volumes) : silt::expand_volume_args(args);
  if (!dirs) {
    std::cerr << "silt: " << (args.empty() ? "MINIO_VOLUMES: " : "") << dirs.error().message << "\n";
    return false;
  }
  if (dirs->empty()) return true;
  if (!o.data.empty() || !o.drives.empty() || !o.config.empty()) {
    std::cerr << "silt: give the data folder either as an argument (or MINIO_VOLUMES) or with --data, --drive or "
                 "--config, not both\n";
    return false;
  }
  if (dirs->size() == 1) {
    o.data = dirs->front();
    return true;
  }
  for (const auto& d : *dirs) {
    std::error_code err;
    fs::create_directories(d, err);
    if (err) {
      std::cerr << "silt: cannot create " << d << ": " << err.message() << "\n";
      return false;
    }
    warn_if_minio_data(d);
  }
  o.drives = *dirs;
  o.index = (fs::path(dirs->front()) / ".silt" / "index").string();
  if (!o.parity_given) o.parity = dirs->size() <= 3 ? 1 : kDefaultParity;
  return true;
}

int run_server(ServerOptions o) {
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  // UTC with milliseconds, like the access log's "time".
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ [%l] %v", spdlog::pattern_time_type::utc);
  silt::server::Config cfg;
  if (o.address.empty()) o.address = env_or_null("SILT_ADDRESS") ? env_or_null("SILT_ADDRESS") : "127.0.0.1:9000";
  if (!split_address(o.address, cfg)) {
    std::cerr << "silt: --address (or SILT_ADDRESS) must be HOST:PORT or :PORT, got " << o.address << "\n";
    return 2;
  }
  if (!o.console_address.empty())
    spdlog::info(
        "--console-address {} ignored: silt has no separate console port; its console is /_silt/console "
        "on the S3 port",
        o.console_address);
  // Before any folder is created: a refused start leaves the disk as it was.
  auto chosen = silt::choose_root_credentials([](const char* name) { return std::getenv(name); });
  if (!chosen) {
    std::cerr << "silt: " << chosen.error().message << "\n";
    return 2;
  }
  silt::auth::Credential root;
  if (*chosen) {
    const auto& c = **chosen;
    if (auto st = silt::check_root_password(c); !st) {
      std::cerr << "silt: " << st.error().message << "\n";
      return 2;
    }
    root = {c.user, c.password, c.user};
    cfg.admin_user = c.user;
    spdlog::info("root user from {}", c.source);
  } else {
    if (!is_loopback(cfg.host)) {
      std::cerr << "silt: refusing the development credentials on non-loopback address " << cfg.host
                << "; set SILT_ROOT_USER and SILT_ROOT_PASSWORD (or MINIO_ROOT_USER and MINIO_ROOT_PASSWORD)\n";
      return 2;
    }
    spdlog::warn("SILT_ROOT_USER/SILT_ROOT_PASSWORD not set: using the development pair");
    std::printf("access key: %s\nsecret key: %s\n", kDevUser, kDevPassword);
    root = {kDevUser, kDevPassword, kDevUser};
    cfg.admin_user = kDevUser;
  }
  std::vector<std::string> bootstrap;
  if (const char* list = env_or_null("SILT_BUCKETS")) {
    auto names = silt::parse_bootstrap_buckets(list);
    if (!names) {
      std::cerr << "silt: SILT_BUCKETS: " << names.error().message << "\n";
      return 2;
    }
    bootstrap = std::move(*names);
  }
  if (!resolve_positional(o)) return 2;
  cfg.region = o.region;
  cfg.blocking_threads = o.blocking_threads;
  cfg.commit_threads = o.commit_threads;
  cfg.domain = o.domain;
  cfg.idle_timeout_s = o.idle_timeout;
  cfg.io_timeout_s = o.io_timeout;
  cfg.certs_dir = certs_dir(o);
  cfg.metrics_token = o.metrics_token;
  cfg.metrics_usage_ttl_s = o.metrics_usage_ttl;
  cfg.access_log = o.access_log;
  cfg.max_connections = o.max_connections;
  cfg.max_connections_per_ip = o.max_connections_per_ip;
  silt::server::SplicePipe::set_enabled(!o.no_zero_copy);

  auto sse_keys = silt::load_sse_keys(o.sse_master_key_file, o.sse_keyring_file,
                                      [](const char* name) { return std::getenv(name); });
  if (!sse_keys) {
    std::cerr << "silt: " << sse_keys.error().message << "\n";
    return 2;
  }
  if (!sse_keys->master.empty()) spdlog::info("SSE-S3 master key {}", sse_keys->master.current()->id);
  if (!sse_keys->keyring.empty()) spdlog::info("SSE-KMS keyring loaded");

  silt::FileConfig fc;
  silt::ErasureConfig& ec = fc.erasure;
  if (!o.config.empty()) {
    auto loaded = silt::load_config_file(o.config);
    if (!loaded) {
      std::cerr << "silt: " << loaded.error().message << "\n";
      return 2;
    }
    fc = std::move(*loaded);
  }
  const bool rados = (o.backend.empty() ? fc.backend : o.backend) == "rados";
  // A RADOS read or commit holds a blocking thread for a network round trip, not a local
  // disk's: 8 threads made 16 parallel ranged GETs run 8 at a time (docs/performance.md,
  // "silt on RADOS against Ceph RGW": 102 -> 151 MiB/s at 32 threads).
  if (o.blocking_threads == 0) cfg.blocking_threads = rados ? kBlockingThreadsRados : kBlockingThreadsDrives;
  if (rados) {
    // The cluster holds everything, users included (docs/cluster.md, "Users").
    if (o.config.empty())
      fc.rados = silt::default_rados_config("");
    else if (fc.backend != "rados") {
      std::cerr << "silt: --backend rados needs a config file with \"backend\": \"rados\" (docs/cluster.md)\n";
      return 2;
    }
    if (!o.ceph_conf.empty()) fc.rados.ceph_conf = o.ceph_conf;
    if (fc.rados.ceph_conf.empty() || !o.drives.empty()) {
      std::cerr << "silt: --backend rados needs --ceph-conf FILE (or rados.ceph_conf in --config) and no --drive\n";
      return 2;
    }
  } else if (!o.config.empty()) {
    if (!o.drives.empty() || !o.data.empty()) {
      std::cerr << "silt: --config defines the drives; do not combine it with --data or --drive\n";
      return 2;
    }
  } else if (!o.drives.empty()) {
    if (o.index.empty()) {
      std::cerr << "silt: --drive needs --index DIR for the metadata index\n";
      return 2;
    }
    ec = silt::default_pools(o.drives, o.parity, o.block_size);
    ec.index_dir = o.index;
  } else {
    fs::path dir = o.data.empty() ? fs::path("data") : fs::path(o.data);
    std::error_code err;
    fs::create_directories(dir, err);
    if (err) {
      std::cerr << "silt: cannot create " << dir << ": " << err.message() << "\n";
      return 2;
    }
    warn_if_minio_data(dir);
    ec = silt::default_pools(data_dir_drives(dir), o.parity, o.block_size);
    ec.index_dir = (dir / "index").string();
  }
  if (o.lifecycle_day_seconds > 0) fc.lifecycle.day_ms = static_cast<int64_t>(o.lifecycle_day_seconds * 1000);
  if (o.lifecycle_interval >= 0) fc.lifecycle.interval_ms = static_cast<int64_t>(o.lifecycle_interval * 1000);
  if (o.lifecycle_lease > 0) fc.lifecycle.lease_ms = static_cast<int64_t>(o.lifecycle_lease * 1000);
  fc.lifecycle.holder = o.gateway_id.empty() ? host_name() + ":" + std::to_string(cfg.port) : o.gateway_id;
  for (const auto& p : ec.pools) {
    if (p.parity < 1 || static_cast<int>(p.drives.size()) <= p.parity) {
      std::cerr << "silt: pool " << p.name << " needs more drives than parity shards (" << p.drives.size()
                << " drives, parity " << p.parity << ")\n";
      return 2;
    }
  }

  // Beside the index directory, outside LevelDB: rebuilding the index leaves users alone.
  // With RADOS the users are in the cluster (opened with the backend, below).
  std::string users_path = o.users_file;
  std::unique_ptr<silt::auth::UserStore> file_users;
  if (rados && !users_path.empty()) {
    std::cerr << "silt: --users-file does not go with --backend rados: the users are in the cluster "
                 "(docs/cluster.md, \"Users\")\n";
    return 2;
  } else if (rados) {
    fs::path old = (o.data.empty() ? fs::path("data") : fs::path(o.data)) / "users.json";
    std::error_code err;
    if (fs::exists(old, err))
      spdlog::warn(
          "{} is not read with --backend rados: users are in the cluster; add them again with "
          "`silt admin user add` (docs/cluster.md, \"Users\")",
          old.string());
  } else {
    if (users_path.empty()) {
      fs::path index = fs::path(ec.index_dir).lexically_normal();
      if (!index.has_filename()) index = index.parent_path();  // "data/index/"
      users_path = (index.parent_path() / "users.json").string();
    }
    auto opened = silt::auth::UserStore::open(users_path, root);
    if (!opened) {
      std::cerr << "silt: " << opened.error().message << "\n";
      return 1;
    }
    file_users = std::move(*opened);
  }

  // The erasure backend is opened concretely: its healer (the server's Maintenance) works
  // on its drives. RADOS keeps its own data whole (recovery, scrub), so it has no healer
  // and the server gets a null Maintenance: its health comes from the cluster's monitors
  // (open_cluster_status below).
  std::unique_ptr<silt::ObjectLayer> layer;
  silt::ErasureObjectLayer* drives = nullptr;
  if (rados) {
    auto opened = open_rados(fc.rados);
    if (!opened) {
      std::cerr << "silt: cannot open the RADOS backend: " << opened.error().message << "\n";
      return 1;
    }
    layer = std::move(*opened);
  } else {
    ec.inline_threshold = o.inline_threshold;
    ec.segment_size = o.segment_size;
    auto opened = silt::ErasureObjectLayer::open(ec);
    if (!opened) {
      std::cerr << "silt: cannot open drives: " << opened.error().message << "\n";
      return 1;
    }
    drives = opened->get();
    layer = std::move(*opened);
  }
  silt::ClusterUsers cluster_users;
  if (rados) {
    auto opened = open_users_in_cluster(*layer, root);
    if (!opened) {
      std::cerr << "silt: cannot read the users in the cluster: " << opened.error().message << "\n";
      return 1;
    }
    cluster_users = std::move(*opened);
  }
  silt::auth::UserStore& users = rados ? *cluster_users.store : *file_users;
  std::unique_ptr<silt::ClusterStatus> cluster_status;
  if (rados) {
    auto opened = open_cluster_status(fc.rados, *layer);
    if (!opened) {
      std::cerr << "silt: cannot ask the cluster's monitors: " << opened.error().message << "\n";
      return 1;
    }
    cluster_status = std::move(*opened);
  }
  for (const auto& p : layer->pools())
    spdlog::info("pool {}: {} drives, {}+{}{}, classes {}", p.name, p.drives, p.k, p.m,
                 p.zstd_level ? ", zstd " + std::to_string(p.zstd_level) : std::string(),
                 fmt::join(p.storage_classes, " "));
  if (rados)
    spdlog::info("RADOS cluster {}, index pool {}, namespace '{}'", fc.rados.ceph_conf, fc.rados.index_pool,
                 fc.rados.name_space);
  else
    spdlog::info("index {}", ec.index_dir);
  if (!bootstrap.empty()) {
    auto made = silt::create_bootstrap_buckets(*layer, bootstrap);
    if (!made) {
      std::cerr << "silt: SILT_BUCKETS: " << made.error().message << "\n";
      return 1;
    }
    spdlog::info("SILT_BUCKETS: created [{}], already there [{}]", fmt::join(made->created, " "),
                 fmt::join(made->existing, " "));
  }
  silt::lifecycle::Worker worker(*layer, fc.lifecycle);
  worker.start();
  silt::HealerOptions heal_opt;
  heal_opt.monitor_interval_ms = static_cast<int64_t>(o.drive_check_interval * 1000);
  heal_opt.scrub_interval_ms = static_cast<int64_t>(o.scrub_interval * 1000);
  heal_opt.scrub_bytes_per_second = o.scrub_rate * (1 << 20);
  std::unique_ptr<silt::Healer> healer;  // the erasure backend's Maintenance
  if (drives) {
    healer = std::make_unique<silt::Healer>(*drives, heal_opt);
    healer->start();
  }
  spdlog::info("users {}", users.where());
  silt::server::BucketChangeHook bucket_changes;
#ifdef SILT_HAVE_RADOS
  if (rados)
    bucket_changes = [&layer](std::function<void(std::string_view)> cb) {
      silt::on_cluster_bucket_change(*layer, std::move(cb));
    };
#endif
  int rc = silt::server::serve(cfg, *layer, users, &worker, healer.get(),
                               std::make_shared<const silt::crypto::ServerKeys>(std::move(*sse_keys)), bucket_changes,
                               cluster_status.get());
  if (healer) healer->stop();
  worker.stop();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  // Everything silt creates (drives, shards, meta.json, the LevelDB index, users.json)
  // is for its own user alone; LevelDB creates its files itself, so the umask is what
  // reaches them. The explicit modes in erasure/fs.cpp and friends say the same.
  ::umask(077);
  CLI::App app{"silt: an S3-compatible object store on erasure-coded drives"};
  app.require_subcommand(1);

  ServerOptions o;
  auto* server = app.add_subcommand("server", "Serve the S3 API");
  server->add_option("dir", o.dirs,
                     "Data folder (same as --data), or one folder per drive (MinIO style, /data{1...4} expands; "
                     "default $MINIO_VOLUMES)");
  server->add_option("--data", o.data, "Data folder; six drives and the index are created inside on first start");
  server->add_option("--drive", o.drives, "A drive directory (repeat; replaces --data)");
  server->add_option("--index", o.index, "Index (LevelDB) directory, with --drive");
  server->add_option("--scrub-interval", o.scrub_interval, "Seconds between scrub passes (0: never)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  server->add_option("--scrub-rate", o.scrub_rate, "MiB per second a scrub pass reads (0: unlimited)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  server->add_option("--drive-check-interval", o.drive_check_interval, "Seconds between drive checks")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  server->add_option("--config", o.config, "Configuration file: pools, storage classes, lifecycle (JSON)");
  server
      ->add_option("--backend", o.backend, "Storage backend: erasure (drives, the default) or rados (docs/cluster.md)")
      ->check(CLI::IsMember({"erasure", "rados"}));
  server->add_option("--ceph-conf", o.ceph_conf, "With --backend rados: the ceph.conf of the cluster");
  server->add_option("--users-file", o.users_file,
                     "Where added users and their keys are kept (default: users.json beside the index directory)");
  server
      ->add_option("--lifecycle-day-seconds", o.lifecycle_day_seconds,
                   "Length of a lifecycle day in seconds (shorter for tests; default a real day)")
      ->check(CLI::PositiveNumber);
  server->add_option("--lifecycle-interval", o.lifecycle_interval,
                     "Seconds between lifecycle passes (0: only when asked; default 3600)");
  server
      ->add_option("--lifecycle-lease-seconds", o.lifecycle_lease,
                   "A bucket's lifecycle lease, renewed at half of it (default 90; docs/cluster.md)")
      ->check(CLI::Range(2.0, 86400.0));
  server
      ->add_option("--gateway-id", o.gateway_id,
                   "This gateway's name in lifecycle leases and status (default <host name>:<port>)")
      ->check([](const std::string& v) {
        if (v.empty() || v.size() > 128) return std::string("1 to 128 characters");
        for (unsigned char c : v)
          if (c < 0x21 || c > 0x7e) return std::string("printable ASCII without spaces");
        return std::string();
      });
  auto* parity = server->add_option("--parity", o.parity, "Parity shards per stripe")->check(CLI::Range(1, 16));
  server->add_option("--address", o.address,
                     "HOST:PORT to listen on (:PORT: every interface; default $SILT_ADDRESS, else 127.0.0.1:9000)");
  server->add_flag_function(
      "--quiet", [&](int64_t) { o.log_level = "warn"; }, "MinIO's: log warnings and errors only (--log-level warn)");
  server->add_option("--console-address", o.console_address,
                     "Accepted for MinIO command lines and ignored: the console is on the S3 port");
  server->add_option("--region", o.region, "Region reported to clients")->capture_default_str();
  server
      ->add_option("--blocking-threads", o.blocking_threads,
                   "Threads for disk work (default 8 on drives, 32 with --backend rados)")
      ->check(CLI::Range(1, 1024));
  server
      ->add_option("--commit-threads", o.commit_threads,
                   "Threads for PUT commits; a commit holds one while it waits for its group commit, so "
                   "this caps how many PUTs one syncfs covers")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  server->add_option("--domain", o.domain, "Base domain for virtual-host addressing (bucket.DOMAIN)");
  server->add_option("--block-size", o.block_size, "Bytes of object data per erasure stripe")
      ->check(CLI::Range(4096u, 64u << 20));
  server
      ->add_option("--inline-threshold", o.inline_threshold,
                   "PUTs of at most this many bytes go to the drives' segment files, not a directory each "
                   "(0: off)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 20))
      ->capture_default_str();
  server
      ->add_option("--segment-size", o.segment_size,
                   "Bytes at which a drive's segment file of small objects is closed and another begun")
      ->check(CLI::Range(uint64_t{1} << 16, uint64_t{1} << 30))
      ->capture_default_str();
  server->add_option("--log-level", o.log_level, "trace, debug, info, warn, error, critical or off")
      ->envname("SILT_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "critical", "off"}))
      ->capture_default_str();
  server
      ->add_option("--access-log", o.access_log,
                   "Write one JSON line per request to this file (\"-\": stdout; default: no access log)")
      ->envname("SILT_ACCESS_LOG");
  server
      ->add_option("--metrics-token", o.metrics_token,
                   "Require \"Authorization: Bearer TOKEN\" for /_silt/metrics (default: open)")
      ->envname("SILT_METRICS_TOKEN");
  server
      ->add_option("--metrics-usage-ttl", o.metrics_usage_ttl,
                   "Seconds a scrape reuses the stored-bytes figures before walking the index again")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  server
      ->add_option("--idle-timeout", o.idle_timeout,
                   "Seconds a connection may idle between requests or take to send a request head")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  auto* certs = server->add_option("--certs-dir", o.certs_dir,
                                   "Serve TLS only, with DIR/public.crt and DIR/private.key (reloaded on SIGHUP); env "
                                   "SILT_CERTS_DIR; default ~/.minio/certs when it holds both; empty: plain HTTP");
  server->add_option("--sse-master-key-file", o.sse_master_key_file,
                     "Master keys for SSE-S3, ID:BASE64 per line, the first sealing new objects (else "
                     "SILT_SSE_MASTER_KEY; docs/encryption.md)");
  server->add_option("--sse-keyring-file", o.sse_keyring_file,
                     "Named keys for SSE-KMS (aws:kms), ID:BASE64 per line (docs/encryption.md)");
  server->add_option("--io-timeout", o.io_timeout, "Seconds a body read or write may stall")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  server
      ->add_option("--max-connections", o.max_connections,
                   "Connections held open at once; past it a new one gets 503 SlowDown (0: no limit)")
      ->capture_default_str();
  server
      ->add_option("--max-connections-per-ip", o.max_connections_per_ip,
                   "Connections held open at once from one client address (IPv6: one /64); past it a new one gets "
                   "503 SlowDown (0: no limit)")
      ->capture_default_str();
  server->add_flag("--no-zero-copy", o.no_zero_copy,
                   "Send plain http GET bodies through a buffer instead of splicing verified page-cache pages");

  silt::admin::add_admin_commands(app);  // runs from its callbacks while parsing
  silt::add_rebuild_index_command(*app.get_subcommand("admin"));
  silt::add_rados_init_command(*app.get_subcommand("admin"));
#ifdef SILT_HAVE_RADOS
  silt::add_migrate_command(*app.get_subcommand("admin"));
#endif

  // MinIO's image runs `minio ARGS`, so compose files may say `command: minio server /data`.
  std::vector<char*> args(argv, argv + argc);
  if (args.size() > 1 && std::string(args[1]) == "minio") args.erase(args.begin() + 1);
  int n = static_cast<int>(args.size());
  CLI11_PARSE(app, n, args.data());
  o.certs_dir_given = certs->count() > 0;
  o.parity_given = parity->count() > 0;
  if (server->parsed()) return run_server(o);
  return 0;
}
