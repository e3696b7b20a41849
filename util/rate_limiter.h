// Paces background work (lifecycle transitions, healing, scrubbing) so client traffic keeps its
// latency: acquire(n) returns when n more units fit under the rate.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace silt {

class RateLimiter {
 public:
  // per_second <= 0: unlimited.
  explicit RateLimiter(double per_second) : rate_(per_second) {}

  // Sleeps (in short slices, so `stop` is noticed) until n units may go.
  void acquire(double n, const std::atomic<bool>& stop) {
    if (rate_ <= 0) return;
    using clock = std::chrono::steady_clock;
    clock::time_point start;
    {
      std::lock_guard lock(mu_);
      // Unused rate does not pile up beyond a short burst.
      next_ = std::max(next_, clock::now() - std::chrono::milliseconds(100));
      start = next_;
      next_ += std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(n / rate_));
    }
    while (!stop && clock::now() < start)
      std::this_thread::sleep_for(std::min<clock::duration>(start - clock::now(), std::chrono::milliseconds(50)));
  }

 private:
  double rate_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace silt
