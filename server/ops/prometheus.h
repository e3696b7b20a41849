// Prometheus primitives: a histogram cheap enough for every request (one relaxed
// atomic add per observation, no lock), and a writer for the text exposition
// format 0.0.4 that Prometheus scrapes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silt::server::prom {

using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::vector<Label>;

struct HistogramSnapshot {
  std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
  uint64_t count = 0;
  double sum = 0;
};

class Histogram {
 public:
  // bounds: ascending upper bounds; the +Inf bucket is implicit.
  explicit Histogram(std::span<const double> bounds);
  void observe(double v);
  // Buckets are summed from one read of each counter, so they are cumulative and
  // end in _count even while other threads observe.
  HistogramSnapshot snapshot() const;
  std::span<const double> bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
  std::atomic<double> sum_{0};
};

// Builds one exposition document. Call family() once before the samples of a metric.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, uint64_t value);
  // name_bucket{...,le="..."}, name_sum, name_count.
  void histogram(std::string_view name, const Labels& labels, std::span<const double> bounds,
                 const HistogramSnapshot& h);
  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void labels(const Labels& labels, std::string_view le = {});
  std::string out_;
};

// Label values escape \, " and newline; HELP text \ and newline.
std::string escape_label_value(std::string_view v);
std::string format_value(double v);  // shortest round-trip form, +Inf, -Inf, NaN

}  // namespace silt::server::prom
