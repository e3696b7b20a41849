// What `silt admin` prints for each admin-API answer (docs/admin-api.md): JSON in, text out.
// Fields the server leaves out or sets to null read as zero, so an older or newer server
// still renders.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cmd/admin_format.h"

namespace silt::admin {

using Json = nlohmann::json;

// Lenient field access: missing, null or mistyped fields read as 0 / "".
uint64_t json_u64(const Json& j, const char* key);
double json_double(const Json& j, const char* key);
std::string json_string(const Json& j, const char* key);

// GET usage: the pools, then one row per bucket and storage class and the totals.
std::string render_usage(const Json& usage);

// A lifecycle pass's counts as a progress line shows them (no ETA).
Progress lifecycle_progress(const Json& pass);

// GET lifecycle/status: what runs now, the last pass, and per-bucket, per-rule counts.
std::string render_lifecycle_status(const Json& status);

// GET lifecycle/simulate: now and each horizon, with the cost change, then per class.
std::string render_simulation(const Json& sim);

// The summary `lifecycle run` prints once its pass is over.
std::string render_pass_summary(const Json& pass);
// The summary `heal` prints once its pass is over.
std::string render_heal_summary(const Json& pass);

// GET status: drives with their state, pools with what they can still do, the healing backlog.
std::string render_status(const Json& status);

// The pass with this id in a lifecycle/status answer, and whether it is over. A pass is over
// once `last` has reached its id or a later pass is running; `pass` is then `last` if that is it.
struct PassState {
  bool finished = false;
  std::optional<Json> pass;  // the pass's own record, when the status carries it
};
PassState find_pass(const Json& status, uint64_t id);

}  // namespace silt::admin
