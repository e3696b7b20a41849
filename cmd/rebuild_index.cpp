#include "cmd/rebuild_index.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cmd/drive_options.h"
#include "erasure/rebuild.h"

namespace silt {

void add_rebuild_index_command(CLI::App& admin) {
  auto o = std::make_shared<DriveOptions>();
  CLI::App* cmd = admin.add_subcommand(
      "rebuild-index", "Recreate the index from the drives (server stopped); the old index is kept aside");
  add_drive_options(*cmd, *o);
  cmd->footer(
      "Takes the drive options of `silt server`. Builds <index>.rebuild-<time>, then moves the old index\n"
      "to <index>.old-<time> and the new one into place.");
  cmd->callback([o] {
    auto cfg = resolve_drive_options(*o, /*create=*/false);
    if (!cfg) {
      std::cerr << "silt admin rebuild-index: " << cfg.error().message << "\n";
      throw CLI::RuntimeError(2);
    }
    auto st = rebuild_index(cfg->erasure);
    if (!st) {
      std::cerr << "silt admin rebuild-index: " << st.error().message << "\n";
      throw CLI::RuntimeError(1);
    }
    std::printf("rebuilt index %s from %zu drives in %.2f s\n", st->index_dir.c_str(), st->drives, st->seconds);
    std::printf("  buckets         %zu (%zu inferred without a bucket record)\n", st->buckets, st->buckets_inferred);
    std::printf("  configs         %zu\n", st->configs);
    std::printf("  versions        %zu\n", st->versions);
    std::printf("  delete markers  %zu\n", st->delete_markers);
    std::printf("  uploads         %zu\n", st->uploads);
    std::printf("  parts           %zu\n", st->parts);
    std::printf("  skipped files   %zu (unreadable or corrupt)\n", st->skipped_files);
    std::printf("  unreferenced    %zu data dirs (removed by the next server start)\n", st->unreferenced_dirs);
    if (!st->old_index.empty()) std::printf("previous index kept at %s\n", st->old_index.c_str());
  });
}

}  // namespace silt
