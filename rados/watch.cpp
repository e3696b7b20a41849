#include "rados/watch.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>

namespace silt::rados {

namespace {
// How often the repair thread looks at the watch when nothing woke it.
constexpr auto kCheckEvery = std::chrono::seconds(1);
}  // namespace

Watch::Watch(std::string oid, uint32_t timeout_s, OnNotify on_notify, OnReset on_reset)
    : oid_(std::move(oid)), timeout_s_(timeout_s), on_notify_(std::move(on_notify)), on_reset_(std::move(on_reset)) {}

s3::Result<std::unique_ptr<Watch>> Watch::start(librados::IoCtx& io, std::string oid, uint32_t timeout_s,
                                                OnNotify on_notify, OnReset on_reset) {
  if (timeout_s < 10)
    return s3::Error(s3::Code::InternalError,
                     "rados: a watch timeout must be at least 10 s (librados pings every 5 s)");
  std::unique_ptr<Watch> w(new Watch(std::move(oid), timeout_s, std::move(on_notify), std::move(on_reset)));
  w->io_.dup(io);
  librados::ObjectWriteOperation op;
  op.create(false);
  if (int r = w->io_.operate(w->oid_, &op); r < 0) return rados_error("create", w->oid_, r);
  if (int r = w->register_watch(); r < 0) return rados_error("watch", w->oid_, r);
  w->repair_ = std::thread([p = w.get()] { p->repair_loop(); });
  return w;
}

Watch::~Watch() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (repair_.joinable()) repair_.join();
  if (uint64_t h = handle_.load()) io_.unwatch2(h);
  // No callback may run on this object once it is gone.
  librados::Rados(io_).watch_flush();
}

int Watch::register_watch() {
  uint64_t h = 0;
  int r = io_.watch3(oid_, &h, this, timeout_s_);
  if (r < 0) return r;
  handle_.store(h);
  broken_.store(false);
  return 0;
}

bool Watch::healthy() {
  if (broken_.load()) return false;
  uint64_t h = handle_.load();
  if (!h) return false;
  int age_ms = io_.watch_check(h);
  return age_ms >= 0 && static_cast<uint64_t>(age_ms) < uint64_t{timeout_s_} * 1000 / 2;
}

void Watch::handle_notify(uint64_t notify_id, uint64_t cookie, uint64_t, bufferlist& bl) {
  generation_.fetch_add(1);
  on_notify_(bl.to_str());
  bufferlist reply;
  io_.notify_ack(oid_, notify_id, cookie, reply);
}

void Watch::handle_error(uint64_t cookie, int err) {
  spdlog::warn("rados: watch on {} lost ({}): reading the cluster until it is back", oid_, err);
  if (cookie == handle_.load()) broken_.store(true);
  generation_.fetch_add(1);
  cv_.notify_all();
}

// Re-establishes a watch that is not healthy: the old one is dropped, a new one
// registered, and only then on_reset runs, so whatever is cached after it was read
// while notifies reach this gateway.
void Watch::repair_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kCheckEvery);
    if (stopping_) break;
    if (healthy()) continue;
    lock.unlock();
    if (uint64_t h = handle_.exchange(0)) io_.unwatch2(h);
    if (int r = register_watch(); r < 0) {
      spdlog::warn("rados: watch on {}: {}; retrying", oid_, r);
    } else {
      generation_.fetch_add(1);
      on_reset_();
      spdlog::info("rados: watch on {} re-established", oid_);
    }
    lock.lock();
  }
}

void Watch::notify(librados::IoCtx& io, const std::string& oid, std::string_view payload, uint64_t timeout_ms) {
  bufferlist bl = to_bl(payload);
  bufferlist reply;
  if (int r = io.notify2(oid, bl, timeout_ms, &reply); r < 0)
    spdlog::warn("rados: notify on {}: {} (a watcher did not answer within {} ms)", oid, r, timeout_ms);
}

}  // namespace silt::rados
