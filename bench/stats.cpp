#include "bench/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace silt::bench {

namespace {

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

Summary summarize(std::vector<WorkerStats>& workers, double elapsed_s) {
  Summary s;
  s.elapsed_s = elapsed_s;
  std::vector<double> all;
  for (auto& w : workers) {
    all.insert(all.end(), w.latency_ms.begin(), w.latency_ms.end());
    s.bytes += w.bytes;
    s.items += w.items;
    s.errors += w.errors;
    if (s.first_error.empty()) s.first_error = w.first_error;
  }
  std::sort(all.begin(), all.end());
  s.ops = all.size();
  s.p50 = percentile(all, 50);
  s.p99 = percentile(all, 99);
  s.p999 = percentile(all, 99.9);
  s.max = all.empty() ? 0 : all.back();
  double sum = 0;
  for (double x : all) sum += x;
  s.mean = all.empty() ? 0 : sum / all.size();
  return s;
}

std::string to_text(const Summary& s) {
  char b[512];
  std::snprintf(b, sizeof b,
                "ops %llu  errors %llu  elapsed %.2f s\nthroughput %.1f MiB/s  %.1f ops/s\n"
                "latency ms: p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
                static_cast<unsigned long long>(s.ops), static_cast<unsigned long long>(s.errors), s.elapsed_s,
                s.mib_s(), s.ops_s(), s.p50, s.p99, s.p999, s.max, s.mean);
  std::string out = b;
  if (s.items) out += "items listed " + std::to_string(s.items) + "\n";
  if (!s.first_error.empty()) out += "first error: " + s.first_error + "\n";
  return out;
}

nlohmann::json to_json(const Summary& s) {
  return {{"ops", s.ops},
          {"errors", s.errors},
          {"bytes", s.bytes},
          {"items", s.items},
          {"elapsed_s", s.elapsed_s},
          {"mib_s", s.mib_s()},
          {"ops_s", s.ops_s()},
          {"latency_ms", {{"p50", s.p50}, {"p99", s.p99}, {"p99_9", s.p999}, {"max", s.max}, {"mean", s.mean}}},
          {"first_error", s.first_error}};
}

}  // namespace silt::bench
