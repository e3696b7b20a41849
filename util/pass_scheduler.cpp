#include "util/pass_scheduler.h"

#include <utility>

namespace silt {

void PassScheduler::start(Step step) {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, step = std::move(step)] { loop(step); });
}

void PassScheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t PassScheduler::request(const std::string& bucket) {
  std::lock_guard lock(mu_);
  if (!requested_) {
    requested_ = PassRequest{next_id_++, bucket};
  } else if (requested_->bucket != bucket) {
    requested_->bucket.clear();  // two different asks: cover both
  }
  cv_.notify_all();
  return requested_->id;
}

std::optional<uint64_t> PassScheduler::pending() const {
  std::lock_guard lock(mu_);
  if (!requested_) return std::nullopt;
  return requested_->id;
}

uint64_t PassScheduler::next_id() {
  std::lock_guard lock(mu_);
  return next_id_++;
}

void PassScheduler::loop(const Step& step) {
  for (;;) {
    std::optional<PassRequest> asked;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      asked = std::exchange(requested_, std::nullopt);
    }
    const std::optional<Clock::time_point> until = step(std::move(asked));
    std::unique_lock lock(mu_);
    auto woken = [&] { return stopping_.load() || requested_.has_value(); };
    if (until)
      cv_.wait_until(lock, *until, woken);
    else
      cv_.wait(lock, woken);
  }
}

}  // namespace silt
