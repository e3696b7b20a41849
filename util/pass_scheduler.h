// The scaffolding of a background service that runs passes (the healer, the lifecycle
// worker): one thread, a stop flag the passes watch, "run a pass now" requests that
// coalesce while they wait, and wake-ups at the times the owner names. The owner
// supplies the step (what to do on waking: the pass asked for, or its own timers) and
// keeps its pass figures in a PassTrack, which status calls read from other threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace silt {

// A pass someone asked for.
struct PassRequest {
  uint64_t id = 0;
  std::string bucket;  // empty: every bucket
};

class PassScheduler {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs on the thread when it starts and on every wake-up. asked: the pass asked for,
  // taken off the queue (a request made meanwhile waits for the next step), or nullopt.
  // Returns when to run again unasked (a time already past: at once); nullopt: only
  // when asked.
  using Step = std::function<std::optional<Clock::time_point>(std::optional<PassRequest> asked)>;

  PassScheduler() = default;
  ~PassScheduler() { stop(); }
  PassScheduler(const PassScheduler&) = delete;
  PassScheduler& operator=(const PassScheduler&) = delete;

  // Starts the thread running step; nothing when it runs already.
  void start(Step step);
  // Between start() and stop(). For the owner's start/stop, on the thread that calls them.
  bool running() const { return thread_.joinable(); }
  // Raises the stop flag, wakes the thread and joins it: a step in progress returns as
  // soon as its pass notices stopping(). A request still waiting is kept for the next
  // start(). Safe to call when not started, and twice.
  void stop();
  // True from stop() until the next start(): what passes (and RateLimiter::acquire) poll.
  const std::atomic<bool>& stopping() const { return stopping_; }

  // Asks for a pass over bucket (empty: every bucket) and wakes the thread. While one
  // asked for has not started, asks join it: same id, every bucket when the buckets
  // differ. Returns the id the pass will run under.
  uint64_t request(const std::string& bucket);
  // The id of the pass asked for and not started yet.
  std::optional<uint64_t> pending() const;
  // A fresh id for a pass nobody asked for; ids count up across both kinds.
  uint64_t next_id();

 private:
  void loop(const Step& step);

  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;  // guards the three below
  std::condition_variable cv_;
  uint64_t next_id_ = 1;
  std::optional<PassRequest> requested_;
};

// The running pass's figures and the last finished pass's, copied under a lock so a
// status call on another thread sees whole values.
template <class Pass>
class PassTrack {
 public:
  struct View {
    std::optional<Pass> current;
    std::optional<Pass> last;
  };
  // Progress of the running pass.
  void publish(const Pass& p) {
    std::lock_guard lock(mu_);
    current_ = p;
  }
  // The pass ended (cut short or not): it becomes the last one.
  void finish(const Pass& p) {
    std::lock_guard lock(mu_);
    current_.reset();
    last_ = p;
  }
  // The pass is dropped unfinished (shutdown): no running pass, the last one stays.
  void abandon() {
    std::lock_guard lock(mu_);
    current_.reset();
  }
  View view() const {
    std::lock_guard lock(mu_);
    return {current_, last_};
  }

 private:
  mutable std::mutex mu_;
  std::optional<Pass> current_;
  std::optional<Pass> last_;
};

}  // namespace silt
