// The write freeze of a server being migrated (docs/admin-api.md, "Write freeze";
// `silt admin migrate --final`): while frozen, every S3 request that would change
// something (any method but GET, HEAD and OPTIONS) and every change to the users is
// answered 503 SlowDown, which clients retry; reads go on. Freezing waits for the writes
// admitted before it to finish, so what a migration's last pass reads after it does not
// change under it. Kept in memory: a restart unfreezes. The admin call that freezes also
// pauses the lifecycle worker (lifecycle::Worker::pause), and unfreezing resumes it.
#pragma once

#include <atomic>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <utility>

#include "common/error.h"

namespace silt::server {

class WriteFreeze {
 public:
  // Held by an admitted write for as long as it runs.
  class Pass {
   public:
    Pass() = default;
    explicit Pass(WriteFreeze* f) : f_(f) {}
    Pass(Pass&& o) noexcept : f_(std::exchange(o.f_, nullptr)) {}
    Pass& operator=(Pass&&) = delete;
    ~Pass() {
      if (f_) f_->in_flight_.fetch_sub(1);
    }

   private:
    WriteFreeze* f_ = nullptr;
  };

  // A request of `method` may run: a Pass (counting it when it writes), or SlowDown.
  s3::Result<Pass> admit(boost::beast::http::verb method);
  // The same for a change to the users (the admin API's users calls).
  s3::Status admit_user_change() const;
  // Freezes, then waits up to `wait` for the writes admitted before to end. Returns how
  // many still run (0: none; the freeze holds either way).
  uint64_t freeze(std::chrono::milliseconds wait);
  void unfreeze() { since_ms_.store(0); }
  // Since when (ms since the epoch) writes are refused; 0: not frozen.
  int64_t frozen_since_ms() const { return since_ms_.load(); }
  uint64_t in_flight() const { return in_flight_.load(); }

 private:
  std::atomic<int64_t> since_ms_{0};
  std::atomic<uint64_t> in_flight_{0};
};

}  // namespace silt::server
