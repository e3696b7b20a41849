// `silt admin rebuild-index`: recreates the index from the drives, offline
// (erasure/rebuild.h). Unlike the other `silt admin` commands it talks to no
// server: it refuses to run while one holds the index.
#pragma once

namespace CLI {
class App;
}

namespace silt {

// Registers rebuild-index under `silt admin` (admin).
void add_rebuild_index_command(CLI::App& admin);

}  // namespace silt
