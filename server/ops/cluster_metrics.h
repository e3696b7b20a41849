// The gauges of /_silt/metrics that describe the cluster rather than requests:
// drive states and space, healing and scrubbing, lifecycle passes, and stored
// bytes per storage class. Read at scrape time from the same calls the admin API
// answers with; the usage walk over the index is cached (it costs a full scan).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lifecycle/usage.h"
#include "object/pending_data.h"
#include "server/ops/prometheus.h"

namespace silt::server {

struct Services;

class ClusterMetrics {
 public:
  // Blocking (statvfs, the index): on the blocking pool.
  void write(prom::Exposition& out, Services& svc);

 private:
  struct Usage {
    std::vector<lifecycle::ClassUsage> classes;  // summed over buckets, every configured class
    // Data awaiting GC and open uploads' parts (a storage cluster's; walked beside the
    // classes, so cached with them): nullopt with pending_error when not known.
    std::optional<PendingData> pending;
    std::string pending_error;
    size_t buckets = 0;
    std::chrono::system_clock::time_point measured;
  };
  // The last measurement while younger than ttl_s. An older one is still answered while a new
  // walk runs on the blocking pool (a scrape must not wait minutes on a large index); only
  // the first scrape, or any with ttl_s == 0, waits for the walk. nullopt if it fails.
  std::optional<Usage> usage(Services& svc, double ttl_s);
  static std::optional<Usage> measure(Services& svc);

  std::mutex measure_mu_;  // held while walking, so parallel scrapes walk the index once
  std::mutex mu_;          // guards the three below
  std::optional<Usage> usage_;
  std::chrono::steady_clock::time_point usage_at_;
  bool refreshing_ = false;
};

}  // namespace silt::server
