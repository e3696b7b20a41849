// The lifecycle worker: on an interval (or when asked), walks every bucket that
// has a lifecycle configuration through the index, and expires, deletes and
// transitions versions as the rules say, rate-limited in objects/s and bytes/s.
// Each bucket's progress is persisted (a cursor in the index), so a pass cut
// short by a restart resumes where it stopped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "lifecycle/evaluate.h"
#include "object/object_layer.h"
#include "util/rate_limiter.h"

namespace silt::lifecycle {

struct WorkerOptions {
  int64_t day_ms = kRealDayMs;                  // length of a lifecycle day (shorter in tests)
  int64_t interval_ms = 3600000;                // between automatic passes; 0: only when asked
  double objects_per_second = 500;              // versions examined; <= 0: unlimited
  double bytes_per_second = 256.0 * (1 << 20);  // bytes re-encoded by transitions; <= 0: unlimited
};

struct PassStats {
  uint64_t id = 0;
  std::string bucket;  // empty: every bucket
  int64_t started_ms = 0;
  int64_t finished_ms = 0;  // 0 while running
  uint64_t objects_scanned = 0;
  uint64_t objects_total = 0;  // estimate: what the previous full pass scanned
  uint64_t expired = 0;
  uint64_t transitioned = 0;
  uint64_t bytes_transitioned = 0;
  uint64_t aborted_uploads = 0;
  uint64_t errors = 0;
  std::string last_error;
};

struct RuleStats {
  uint64_t expired = 0;
  uint64_t transitioned = 0;
  uint64_t bytes_transitioned = 0;
};

// Name of the per-bucket config document holding the cursor of an unfinished pass.
inline constexpr const char* kCursorDoc = "silt.lifecycle.cursor";

class Worker {
 public:
  Worker(ObjectLayer& objects, WorkerOptions opt);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void stop();
  // Asks for a pass now over one bucket (empty: all); returns the id it will have.
  uint64_t request_pass(const std::string& bucket = {});
  // Runs a pass on this thread (tests and tools); the background thread must not run.
  PassStats run_pass(const std::string& bucket = {});

  // {"running", "current", "last", "buckets": [{bucket, cursor, rules: [...]}]} (docs/admin-api.md)
  nlohmann::json status();
  const WorkerOptions& options() const { return opt_; }

 private:
  void loop();
  PassStats execute(uint64_t id, const std::string& bucket);
  void record(const PassStats& pass);  // a finished pass becomes the last one
  void run_bucket(const std::string& bucket, PassStats& pass);
  void act(const std::string& bucket, const ObjectInfo& v, const Action& a, PassStats& pass);
  void abort_uploads(const std::string& bucket, const Configuration& config, int64_t now, PassStats& pass);
  void note_error(PassStats& pass, const std::string& what);
  void publish(const PassStats& pass);  // copies progress for status()

  ObjectLayer& objects_;
  WorkerOptions opt_;
  RateLimiter objects_rate_;
  RateLimiter bytes_rate_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  uint64_t next_id_ = 1;
  std::optional<std::string> requested_;  // bucket of a pass asked for ("" = all)
  uint64_t requested_id_ = 0;
  std::optional<PassStats> current_;
  std::optional<PassStats> last_;
  uint64_t last_full_scan_ = 0;
  std::map<std::string, std::string> cursors_;                          // bucket -> key of the running pass
  std::map<std::string, std::map<std::string, RuleStats>> rule_stats_;  // bucket -> rule id -> totals
};

}  // namespace silt::lifecycle
