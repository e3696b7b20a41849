// Per-worker latency and byte counts, merged into one summary after a run.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace silt::bench {

struct WorkerStats {
  std::vector<double> latency_ms;  // successful operations only
  uint64_t bytes = 0;              // payload bytes moved by successful operations
  uint64_t items = 0;              // list mode: keys + common prefixes returned
  uint64_t errors = 0;
  std::string first_error;
};

struct Summary {
  uint64_t ops = 0, errors = 0, bytes = 0, items = 0;
  double elapsed_s = 0;
  double p50 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
  std::string first_error;
  double mib_s() const { return elapsed_s > 0 ? bytes / 1048576.0 / elapsed_s : 0; }
  double ops_s() const { return elapsed_s > 0 ? ops / elapsed_s : 0; }
};

Summary summarize(std::vector<WorkerStats>& workers, double elapsed_s);
std::string to_text(const Summary& s);
nlohmann::json to_json(const Summary& s);

}  // namespace silt::bench
