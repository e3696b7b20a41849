// The server's Prometheus metrics: per operation and status, request counts,
// duration histograms and body bytes, recorded on the request path without a
// lock (atomics in a table fixed at start); and the exposition of them plus the
// cluster gauges (drives, healing, lifecycle, usage) at /_silt/metrics.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/ops/cluster_metrics.h"
#include "server/ops/prometheus.h"

namespace silt::server {

struct Services;

class Metrics {
 public:
  // Where an exception stopped (server/http/exception_boundary.h): around a request's handler
  // (answered 500), out of a session's coroutine, out of the accept loop.
  enum class Escape { Request, Session, Accept };

  // Upper bounds of silt_request_duration_seconds, in seconds.
  static const std::vector<double>& duration_bounds();

  // operations: names known in advance; others are added as they first occur, up to a
  // fixed number.
  explicit Metrics(const std::vector<std::string_view>& operations);
  // The endpoint table's labels (server/s3/router.h), Unrouted and Other.
  Metrics();

  void record(std::string_view operation, int status, uint64_t bytes_in, uint64_t bytes_out, double seconds);
  // silt_uncaught_exceptions_total{where}: every one is a bug to report.
  void count_exception(Escape where);
  uint64_t exceptions(Escape where) const;
  // silt_zero_copy_sent_bytes_total: response body bytes spliced from verified page-cache
  // pages to the socket instead of copied (server/http/zero_copy.h).
  void count_zero_copy(uint64_t bytes) { zero_copy_bytes_.fetch_add(bytes, std::memory_order_relaxed); }

  // Cumulative since start: {"requests", "errors" (status >= 400), "bytes_in", "bytes_out"}.
  nlohmann::json request_totals() const;

  // The request series only (unit tests).
  void write_requests(prom::Exposition& out) const;
  // The whole exposition: request series, process series and the cluster gauges.
  // Blocking (statvfs, the index): call it on the blocking pool.
  std::string render(Services& svc);

 private:
  static constexpr size_t kMaxOperations = 256;
  static constexpr int kMinStatus = 100, kMaxStatus = 599;
  struct Operation {
    explicit Operation(std::string name);
    std::string name;
    std::array<std::atomic<uint64_t>, kMaxStatus - kMinStatus + 1> by_status;
    std::atomic<uint64_t> bytes_in{0}, bytes_out{0};
    prom::Histogram duration;
  };
  Operation* find(std::string_view name);
  size_t count() const { return count_.load(std::memory_order_acquire); }

  // Slots are appended, never moved or removed; count_ publishes them.
  std::array<std::unique_ptr<Operation>, kMaxOperations> ops_;
  std::atomic<size_t> count_{0};
  std::unordered_map<std::string_view, Operation*> known_;  // fixed after construction: read without a lock
  std::mutex add_mu_;                                       // adds an operation not known at start
  std::array<std::atomic<uint64_t>, 3> exceptions_{};       // by Escape
  std::atomic<uint64_t> zero_copy_bytes_{0};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  ClusterMetrics cluster_;
};

}  // namespace silt::server
