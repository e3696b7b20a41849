// The lifecycle worker: on an interval (or when asked), walks every bucket that
// has a lifecycle configuration through the index, and expires, deletes and
// transitions versions as the rules say, rate-limited in objects/s and bytes/s.
// A bucket is processed only under its lease (object/bucket_lease.h): on a cluster
// one gateway at a time works on it, the others skip it and look again when its
// lease would expire. Each bucket's progress is kept with its lease (a cursor), so
// a pass cut short by a restart, or by its gateway's death, resumes where it stopped.
// A paused worker (a server frozen for a migration) acts on nothing; a pass cut short by
// the pause resumes from its cursors once the worker is resumed.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lifecycle/evaluate.h"
#include "object/bucket_lease.h"
#include "object/object_layer.h"
#include "util/pass_scheduler.h"
#include "util/rate_limiter.h"

namespace silt::lifecycle {

struct WorkerOptions {
  int64_t day_ms = kRealDayMs;                  // length of a lifecycle day (shorter in tests)
  int64_t interval_ms = 3600000;                // between automatic passes; 0: only when asked
  double objects_per_second = 500;              // versions examined; <= 0: unlimited
  double bytes_per_second = 256.0 * (1 << 20);  // bytes re-encoded by transitions; <= 0: unlimited
  int64_t lease_ms = 90000;                     // a bucket's lease; renewed at half of it
  std::string holder = "silt";                  // this gateway's id in the leases (--gateway-id)
  int page_versions = 1000;                     // versions per listing page; the cursor is saved after each
};

struct PassStats {
  uint64_t id = 0;
  std::string bucket;  // empty: every bucket; a retry of buckets held elsewhere: "b1,b2"
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
  uint64_t buckets_held = 0;  // skipped: another gateway held their lease
  bool paused = false;        // cut short (or not started) by pause(true): resumed after pause(false)
};

struct RuleStats {
  uint64_t expired = 0;
  uint64_t transitioned = 0;
  uint64_t bytes_transitioned = 0;
};

struct RuleStatus {
  std::string id;
  bool enabled = false;
  RuleStats totals;  // of this process's passes
};

struct BucketStatus {
  std::string bucket;
  LeaseState lease;  // as stored (in the cluster on RADOS): holder, expiry, cursor, scanned
  std::vector<RuleStatus> rules;
};

// What `silt admin lifecycle status` shows (docs/admin-api.md).
struct WorkerStatus {
  std::optional<PassStats> current;   // the pass running
  std::optional<PassStats> last;      // the last one that ended
  std::vector<BucketStatus> buckets;  // those with a lifecycle configuration, rules as stored
};

class Worker {
 public:
  Worker(ObjectLayer& objects, WorkerOptions opt);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The thread (util/pass_scheduler.h): a pass every interval_ms, and at once after a
  // restart that cut one short.
  void start();
  void stop();
  // Asks for a pass now over one bucket (empty: all); returns the id it will have.
  uint64_t request_pass(const std::string& bucket = {});
  // Runs a pass on this thread (tests and tools); the background thread must not run.
  PassStats run_pass(const std::string& bucket = {});
  // Paused (true), no pass takes a lease or expires, deletes, transitions or aborts
  // anything: a pass running stops before its next version, keeping its cursors, and one
  // asked for or due meanwhile ends at once, marked paused. Pausing returns once an action
  // under way (a long transition, say) has ended. Resumed (false), a pass picks up where
  // the paused one stopped, within a second. For the write freeze of a migration
  // (server/ops/freeze.h): the old server's data must not change under it.
  void pause(bool paused);

  // Blocking: reads every bucket's lifecycle configuration.
  WorkerStatus status();
  const WorkerOptions& options() const { return opt_; }

 private:
  using Clock = PassScheduler::Clock;
  // One wake-up of the thread (PassScheduler::Step): the pass asked for, else one due.
  std::optional<Clock::time_point> step(std::optional<PassRequest> asked);
  // only: when not empty, a retry over just these buckets, each resumed only if its
  // lease is free and names an unfinished pass.
  PassStats execute(uint64_t id, const std::string& bucket, const std::set<std::string>& only = {});
  void record(const PassStats& pass);  // a finished pass becomes the last one
  void run_bucket(const std::string& bucket, PassStats& pass, bool resume_only);
  // Another holder has bucket's lease: look again when it would expire, in case it died.
  void retry_later(const std::string& bucket, const LeaseState& held);
  void act(const std::string& bucket, const ObjectInfo& v, const Action& a, PassStats& pass, BucketLease& lease);
  void abort_uploads(const std::string& bucket, const Configuration& config, int64_t now, PassStats& pass);
  void note_error(PassStats& pass, const std::string& what);
  // The pass must stop: the server stops, or the worker is paused (marked on pass).
  bool halted(PassStats& pass);

  ObjectLayer& objects_;
  WorkerOptions opt_;
  std::unique_ptr<BucketLeases> local_leases_;  // when the layer has none: granted here
  BucketLeases& leases_;
  RateLimiter objects_rate_;
  RateLimiter bytes_rate_;
  PassTrack<PassStats> passes_;
  // The step's timer; only the thread touches them.
  bool planned_ = false;                        // the first step looked for a pass to resume
  std::optional<Clock::time_point> next_auto_;  // nullopt: only when asked
  std::optional<Clock::time_point> retry_at_;   // when a lease held elsewhere would expire
  std::set<std::string> retry_buckets_;         // those buckets
  bool resume_after_pause_ = false;             // a pass was cut short by the pause
  std::atomic<bool> paused_{false};
  std::mutex acting_;  // held by an expiration, transition or abort under way: pause() waits for it

  std::mutex mu_;  // guards the two below
  uint64_t last_full_scan_ = 0;
  std::map<std::string, std::map<std::string, RuleStats>> rule_stats_;  // bucket -> rule id -> totals
  PassScheduler scheduler_;  // last: its thread stops before the members above go
};

}  // namespace silt::lifecycle
