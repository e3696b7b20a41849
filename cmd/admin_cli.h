// `silt admin ...`: commands that talk to a running silt through its signed admin API
// (docs/admin-api.md).
#pragma once

namespace CLI {
class App;
}

namespace silt::admin {

// Registers `admin` and its subcommands on app. Each command runs from its CLI11 callback while
// the command line is parsed; a failure prints "silt admin: MESSAGE" on stderr and throws
// CLI::RuntimeError(1), which CLI11_PARSE turns into exit code 1 without printing more.
void add_admin_commands(CLI::App& app);

}  // namespace silt::admin
