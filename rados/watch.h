// A gateway's watch on one RADOS object (librados watch2/notify2), the way gateways
// tell each other "what you cached from this object changed" (design memo §4.5).
//
// A writer changes the object, then notify()s; every gateway watching it gets the
// payload in on_notify before notify() returns (or its bound passes). A watch can be
// lost (the gateway stalled past the watch timeout, its OSD session reset): notifies
// sent meanwhile never arrive. So a watch that errored, or whose last confirmation by
// the OSD is older than half its timeout, is not healthy(): callers then read the
// cluster rather than their cache, and a thread re-establishes the watch and calls
// on_reset (drop everything cached) once notifies reach this gateway again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "rados/connection.h"

namespace silt::rados {

class Watch final : public librados::WatchCtx2 {
 public:
  using OnNotify = std::function<void(std::string_view payload)>;
  using OnReset = std::function<void()>;

  // Watches oid in io's pool and namespace (creating it empty when missing), with the
  // OSD dropping the watch after timeout_s without a ping from this gateway (at least
  // 10 s: librados pings every 5 s). The callbacks run on librados' notify thread (or
  // the re-watch thread) and must not call notify().
  static s3::Result<std::unique_ptr<Watch>> start(librados::IoCtx& io, std::string oid, uint32_t timeout_s,
                                                  OnNotify on_notify, OnReset on_reset);
  ~Watch() override;
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // True while every notify sent to the object reaches this gateway: the watch is
  // registered and the OSD confirmed it within half its timeout. Cheap (no I/O).
  bool healthy();
  // Incremented by every notify received and every reset: a value read before a
  // cluster read that is unchanged after it means nothing invalidated meanwhile.
  uint64_t generation() const { return generation_.load(); }

  // Tells every watcher of oid (this gateway too) that it changed, waiting for their
  // acknowledgements at most timeout_ms (a dead gateway's watch holds a notify until
  // the OSD drops it). Best effort: the change is made already; a lost notify is what
  // healthy() covers.
  static void notify(librados::IoCtx& io, const std::string& oid, std::string_view payload, uint64_t timeout_ms = 2000);

 private:
  Watch(std::string oid, uint32_t timeout_s, OnNotify on_notify, OnReset on_reset);
  void handle_notify(uint64_t notify_id, uint64_t cookie, uint64_t notifier_id, bufferlist& bl) override;
  void handle_error(uint64_t cookie, int err) override;
  int register_watch();
  void repair_loop();

  librados::IoCtx io_;
  const std::string oid_;
  const uint32_t timeout_s_;
  OnNotify on_notify_;
  OnReset on_reset_;
  std::atomic<uint64_t> handle_{0};
  std::atomic<bool> broken_{false};
  std::atomic<uint64_t> generation_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread repair_;
};

}  // namespace silt::rados
