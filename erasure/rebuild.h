// `silt admin rebuild-index`: a new LevelDB index from what the drives say
// about themselves (docs/format.md: data dirs' meta.json, the sys/ mirror of
// buckets, configs and uploads). Runs with the server stopped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "erasure/erasure_config.h"

namespace silt {

struct RebuildStats {
  size_t drives = 0;
  size_t buckets = 0;
  size_t buckets_inferred = 0;  // named by records but without a mirrored bucket.json
  size_t configs = 0;
  size_t versions = 0;  // delete markers not included
  size_t delete_markers = 0;
  size_t uploads = 0;
  size_t parts = 0;
  size_t skipped_files = 0;      // unreadable or corrupt meta.json / mirror files
  size_t unreferenced_dirs = 0;  // data dirs no rebuilt record names (left for the startup sweep)
  double seconds = 0;
  std::string index_dir;
  std::string old_index;  // where the previous index went; empty when there was none
};

// Reads every drive (read only) and writes the index into new_dir, which must not exist.
s3::Result<RebuildStats> build_index_from_drives(const std::vector<std::string>& drive_roots,
                                                 const std::string& new_dir);

// The whole command: refuses while another process holds cfg.index_dir's LevelDB
// lock, builds <index>.rebuild-<time>, moves the old index to <index>.old-<time>
// and the new one into place.
s3::Result<RebuildStats> rebuild_index(const ErasureConfig& cfg);

// Distinct drive directories of a configuration (pools share drives).
std::vector<std::string> config_drive_roots(const ErasureConfig& cfg);

}  // namespace silt
