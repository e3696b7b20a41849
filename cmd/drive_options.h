// The options that say where silt's drives and index are (`--data`, `--drive`,
// `--index`, `--config`, ...), shared by `silt server` and the offline admin
// commands such as `silt admin rebuild-index`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cmd/config_file.h"
#include "common/error.h"

namespace CLI {
class App;
}

namespace silt {

struct DriveOptions {
  std::string data;
  std::vector<std::string> drives;
  std::string index;
  std::string config;
  int parity = 2;
  uint32_t block_size = 1 << 20;
};

// Registers --data, --drive, --index, --config, --parity and --block-size on cmd.
void add_drive_options(CLI::App& cmd, DriveOptions& o);

// The configuration those options describe: --config FILE, or --drive ... with
// --index, or the six drives and the index inside --data (default ./data).
// create: make the --data folder and its drive folders (a server's first start).
s3::Result<FileConfig> resolve_drive_options(const DriveOptions& o, bool create);

}  // namespace silt
