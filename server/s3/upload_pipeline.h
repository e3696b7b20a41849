// A large request body streamed into an ObjectWriter as four stages on a ring of
// buffers, each at its own pace: the session reads and frames the body into the
// next free buffer; one blocking-pool job at a time per stage verifies it
// (aws-chunked chunk signatures, x-amz-content-sha256, x-amz-checksum-*), adds
// it to the MD5, or erasure-codes and writes it. A buffer is refilled once all
// three are done with it, so the slowest stage sets the pace and the others
// never wait for it in lock step; a signed upload keeps both cores busy.
//
// Memory: kSlots buffers of kSlotBytes per upload (4 MiB), taken from a budget of
// kBudgetBytes (16 MiB, 4 uploads) shared by all connections; an upload that finds
// the budget spent streams with the two-buffer path (upload_body.h) instead. The ring
// is for the few-streams case, where a core would otherwise idle: with many uploads
// in flight both cores are busy anyway (docs/performance.md, "Signed uploads in a
// pipeline", measured 16 streams a little slower with a ring each).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <utility>

#include "common/error.h"
#include "object/object_layer.h"
#include "server/s3/handler.h"

namespace silt::server {

inline constexpr size_t kSlotBytes = 1 << 20;
inline constexpr size_t kSlots = 4;
inline constexpr size_t kBudgetBytes = 16 << 20;
// A slot is handed on after this many aws-chunked chunk claims even if not full: tiny
// chunks must not let one buffer's claim list grow with the body.
inline constexpr size_t kMaxClaimsPerSlot = 1024;

// One upload's share of the global budget: kSlots * kSlotBytes, given back on destruction.
class RingLease {
 public:
  RingLease(RingLease&& o) noexcept : held_(std::exchange(o.held_, false)) {}
  RingLease& operator=(RingLease&&) = delete;
  ~RingLease();

 private:
  friend std::optional<RingLease> lease_ring();
  RingLease() : held_(true) {}
  bool held_;
};

// A ring for one upload, or nullopt when the budget is spent.
std::optional<RingLease> lease_ring();

// Streams the whole body into writer through the ring; returns once every stage has
// finished. OK means: every byte read, verified (every chunk signature, the declared
// digests and lengths), hashed and handed to writer.write_data(); the caller commits.
// On any error the writer holds partial data and must be dropped uncommitted. The
// error of the verifying stage wins over the others (a bad chunk signature is
// SignatureDoesNotMatch even when the body also breaks off later). EntityTooLarge past
// the configured maximum object size.
boost::asio::awaitable<s3::Status> pipeline_body(RequestContext& ctx, ObjectWriter& writer, RingLease ring);

}  // namespace silt::server
