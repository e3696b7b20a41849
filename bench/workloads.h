// The measured loops: N threads, one connection each, until --count or --duration runs out.
#pragma once

#include <string>

#include "bench/options.h"
#include "bench/payload.h"
#include "bench/stats.h"

namespace silt::bench {

// Creates the bucket and the objects the mode reads; returns an error message or "".
std::string run_setup(const Options& o, Payload& payload);

Summary run_workload(const Options& o, Payload& payload);

std::string object_key(const Options& o, uint64_t index);

}  // namespace silt::bench
