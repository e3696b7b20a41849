#include "cmd/drive_options.h"

#include <CLI/CLI.hpp>
#include <filesystem>

namespace silt {

namespace {
constexpr int kDefaultDrives = 6;
}

void add_drive_options(CLI::App& cmd, DriveOptions& o) {
  cmd.add_option("--data", o.data, "Data folder; six drives and the index are created inside on first start");
  cmd.add_option("--drive", o.drives, "A drive directory (repeat; replaces --data)");
  cmd.add_option("--index", o.index, "Index (LevelDB) directory, with --drive");
  cmd.add_option("--config", o.config, "Configuration file: pools, storage classes, lifecycle (JSON)");
  cmd.add_option("--parity", o.parity, "Parity shards per stripe")->check(CLI::Range(1, 16));
  cmd.add_option("--block-size", o.block_size, "Bytes of object data per erasure stripe")
      ->check(CLI::Range(4096u, 64u << 20));
}

s3::Result<FileConfig> resolve_drive_options(const DriveOptions& o, bool create) {
  namespace stdfs = std::filesystem;
  auto bad = [](const std::string& why) { return s3::Error(s3::Code::InvalidArgument, why); };
  FileConfig fc;
  if (!o.config.empty()) {
    if (!o.drives.empty() || !o.data.empty())
      return bad("--config defines the drives; do not combine it with --data or --drive");
    return load_config_file(o.config);
  }
  if (!o.drives.empty()) {
    if (o.index.empty()) return bad("--drive needs --index DIR for the metadata index");
    fc.erasure = default_pools(o.drives, o.parity, o.block_size);
    fc.erasure.index_dir = o.index;
    return fc;
  }
  const stdfs::path dir = o.data.empty() ? stdfs::path("data") : stdfs::path(o.data);
  std::vector<std::string> drives;
  std::error_code err;
  if (create) {
    stdfs::create_directories(dir, err);
    if (err) return bad("cannot create " + dir.string() + ": " + err.message());
  }
  for (int i = 1; i <= kDefaultDrives; i++) {
    stdfs::path d = dir / ("drive-" + std::to_string(i));
    if (create) stdfs::create_directories(d, err);
    drives.push_back(d.string());
  }
  fc.erasure = default_pools(drives, o.parity, o.block_size);
  fc.erasure.index_dir = (dir / "index").string();
  return fc;
}

}  // namespace silt
