#include "server/ops/freeze.h"

#include <thread>

#include "util/time.h"

namespace silt::server {

namespace {

s3::Error frozen() {
  return s3::Error(s3::Code::SlowDown,
                   "Please reduce your request rate. This server is frozen for a migration: writes are refused "
                   "until it is unfrozen; reads are served.");
}

bool writes(boost::beast::http::verb m) {
  using boost::beast::http::verb;
  return m != verb::get && m != verb::head && m != verb::options;
}

}  // namespace

s3::Result<WriteFreeze::Pass> WriteFreeze::admit(boost::beast::http::verb method) {
  if (!writes(method)) return Pass();
  // Counted first, then checked: a freeze that starts after the check waits for this one.
  in_flight_.fetch_add(1);
  Pass p(this);
  if (since_ms_.load() != 0) return frozen();
  return p;
}

s3::Status WriteFreeze::admit_user_change() const {
  if (since_ms_.load() != 0) return frozen();
  return {};
}

uint64_t WriteFreeze::freeze(std::chrono::milliseconds wait) {
  int64_t expected = 0;
  since_ms_.compare_exchange_strong(expected, now_ms());
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return in_flight_.load();
}

}  // namespace silt::server
