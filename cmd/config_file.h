// silt's configuration file (`silt server --config FILE`): pools of drives,
// storage classes and lifecycle settings, as JSON (docs/lifecycle.md shows one).
// Command-line options given too override the file.
#pragma once

#include <optional>
#include <string>

#include "common/error.h"
#include "erasure/erasure_config.h"
#include "lifecycle/worker.h"
#include "rados/rados_config.h"

namespace silt {

struct FileConfig {
  std::string backend = "erasure";  // "rados": the file's "rados" section and rados_pool pools apply
  ErasureConfig erasure;            // pools, storage classes, index directory
  RadosConfig rados;
  lifecycle::WorkerOptions lifecycle;
};

// Relative drive and index paths are taken from the file's directory.
s3::Result<FileConfig> load_config_file(const std::string& path);

// The embedded default on one folder: six drives and the index inside it,
// pool "standard" (4+2) for STANDARD, REDUCED_REDUNDANCY and INTELLIGENT_TIERING, and
// pool "cold" (4+2, zstd) for STANDARD_IA, ONEZONE_IA and GLACIER_IR on the same drives.
ErasureConfig default_pools(const std::vector<std::string>& drives, int parity, uint32_t block_size);

}  // namespace silt
