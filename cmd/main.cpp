// silt: an S3-compatible object store. `silt server` runs it.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "erasure/object_layer.h"
#include "server/server.h"

namespace fs = std::filesystem;

namespace {

// Documented in README.md; refused anywhere but loopback.
constexpr const char* kDevUser = "siltadmin";
constexpr const char* kDevPassword = "siltadmin-secret";
constexpr int kDefaultDrives = 6;
constexpr int kDefaultParity = 2;

struct ServerOptions {
  std::string data;
  std::vector<std::string> drives;
  std::string index;
  int parity = kDefaultParity;
  std::string address = "127.0.0.1:9000";
  std::string region = "us-east-1";
  std::string domain;
  uint32_t block_size = 1 << 20;
  std::string log_level = "info";
};

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
  try {
    int port = std::stoi(addr.substr(colon + 1));
    if (port < 0 || port > 65535) return false;
    cfg.port = static_cast<uint16_t>(port);
  } catch (...) {
    return false;
  }
  return true;
}

// The embedded default: DIR/drive-1 ... DIR/drive-6 and DIR/index, created on first start.
std::vector<std::string> data_dir_drives(const fs::path& dir) {
  std::vector<std::string> drives;
  for (int i = 1; i <= kDefaultDrives; i++) {
    fs::path d = dir / ("drive-" + std::to_string(i));
    fs::create_directories(d);
    drives.push_back(d.string());
  }
  return drives;
}

int run_server(const ServerOptions& o) {
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  silt::server::Config cfg;
  if (!split_address(o.address, cfg)) {
    std::cerr << "silt: --address must be HOST:PORT, got " << o.address << "\n";
    return 2;
  }
  cfg.region = o.region;
  cfg.domain = o.domain;

  silt::ErasureConfig ec;
  ec.parity = o.parity;
  ec.block_size = o.block_size;
  if (!o.drives.empty()) {
    if (o.index.empty()) {
      std::cerr << "silt: --drive needs --index DIR for the metadata index\n";
      return 2;
    }
    ec.drives = o.drives;
    ec.index_dir = o.index;
  } else {
    fs::path dir = o.data.empty() ? fs::path("data") : fs::path(o.data);
    std::error_code err;
    fs::create_directories(dir, err);
    if (err) {
      std::cerr << "silt: cannot create " << dir << ": " << err.message() << "\n";
      return 2;
    }
    ec.drives = data_dir_drives(dir);
    ec.index_dir = (dir / "index").string();
  }
  if (ec.parity < 1 || static_cast<int>(ec.drives.size()) <= ec.parity) {
    std::cerr << "silt: need more drives than parity shards (" << ec.drives.size() << " drives, parity " << ec.parity
              << ")\n";
    return 2;
  }

  const char* user = std::getenv("SILT_ROOT_USER");
  const char* password = std::getenv("SILT_ROOT_PASSWORD");
  silt::auth::CredentialStore creds;
  if (user && *user && password && *password) {
    creds.add({user, password, user});
  } else {
    if (!is_loopback(cfg.host)) {
      std::cerr << "silt: refusing the development credentials on non-loopback address " << cfg.host
                << "; set SILT_ROOT_USER and SILT_ROOT_PASSWORD\n";
      return 2;
    }
    spdlog::warn("SILT_ROOT_USER/SILT_ROOT_PASSWORD not set: using the development pair");
    std::printf("access key: %s\nsecret key: %s\n", kDevUser, kDevPassword);
    creds.add({kDevUser, kDevPassword, kDevUser});
  }

  auto layer = silt::open_erasure_object_layer(ec);
  if (!layer) {
    std::cerr << "silt: cannot open drives: " << layer.error().message << "\n";
    return 1;
  }
  spdlog::info("{} drives, {} data + {} parity, index {}", ec.drives.size(), ec.drives.size() - ec.parity, ec.parity,
               ec.index_dir);
  return silt::server::serve(cfg, **layer, creds);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"silt: an S3-compatible object store on erasure-coded drives"};
  app.require_subcommand(1);

  ServerOptions o;
  auto* server = app.add_subcommand("server", "Serve the S3 API");
  server->add_option("dir", o.data, "Data folder (same as --data)");
  server->add_option("--data", o.data, "Data folder; six drives and the index are created inside on first start");
  server->add_option("--drive", o.drives, "A drive directory (repeat; replaces --data)");
  server->add_option("--index", o.index, "Index (LevelDB) directory, with --drive");
  server->add_option("--parity", o.parity, "Parity shards per stripe")->check(CLI::Range(1, 16));
  server->add_option("--address", o.address, "HOST:PORT to listen on")->capture_default_str();
  server->add_option("--region", o.region, "Region reported to clients")->capture_default_str();
  server->add_option("--domain", o.domain, "Base domain for virtual-host addressing (bucket.DOMAIN)");
  server->add_option("--block-size", o.block_size, "Bytes of object data per erasure stripe")
      ->check(CLI::Range(4096u, 64u << 20));
  server->add_option("--log-level", o.log_level, "trace, debug, info, warn, error")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (server->parsed()) return run_server(o);
  return 0;
}
