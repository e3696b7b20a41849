#include "server/s3/upload_pipeline.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "server/http/blocking.h"
#include "util/strings.h"

namespace silt::server {

namespace {
using boost::asio::awaitable;
using namespace boost::asio::experimental::awaitable_operators;

std::atomic<size_t> g_budget_used{0};

struct Slot {
  std::unique_ptr<char[]> data = std::make_unique_for_overwrite<char[]>(kSlotBytes);
  size_t n = 0;
  std::vector<auth::ChunkClaim> claims;  // announced while this slot was filled
};

enum Stage : size_t { kVerify, kHash, kWrite, kStages, kReader = kStages };
// consumed[] of a stage that does not run: never the slowest.
constexpr uint64_t kSkipped = std::numeric_limits<uint64_t>::max();

// The ring's shared state. Every coroutine runs on the session's strand, so no
// locks: the blocking jobs touch only their slot and their own stage's state.
struct Ring {
  explicit Ring(const boost::asio::any_io_executor& ex) {
    for (size_t i = 0; i <= kStages; ++i) wake.emplace_back(ex);
  }

  std::array<Slot, kSlots> slots;
  uint64_t produced = 0;  // slots handed on by the reader
  bool ended = false;     // the reader has read the whole body
  std::array<uint64_t, kStages> consumed{};
  std::optional<s3::Error> reader_error, verify_error, other_error;
  std::vector<boost::asio::steady_timer> wake;  // one per waiter, so waits never cancel each other

  bool failed() const { return reader_error || verify_error || other_error; }
  // The verifier still checks what was read before the body broke off, so a bad
  // chunk signature is reported as such; every other error stops all stages.
  bool halted(size_t stage, uint64_t seq) const {
    if (!failed()) return false;
    return !(stage == kVerify && !verify_error && !other_error && seq < produced);
  }
  uint64_t slowest() const { return *std::min_element(consumed.begin(), consumed.end()); }

  void notify() {
    for (auto& t : wake) t.cancel();
  }
  awaitable<void> wait(size_t who) {
    wake[who].expires_at(boost::asio::steady_timer::time_point::max());
    co_await wake[who].async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
};

// An UNSIGNED-PAYLOAD body that declares no checksum has nothing to verify: its
// verifying stage is skipped rather than handed every buffer for nothing. (Any
// x-amz-checksum-* header or x-amz-trailer keeps it, whatever its algorithm.)
bool needs_verifying(const RequestContext& ctx) {
  if (ctx.identity.payload != auth::PayloadMode::Unsigned || ctx.req.has_header("x-amz-trailer")) return true;
  for (const auto& [field, value] : ctx.req.fields()) {
    (void)value;
    if (to_lower(field).rfind("x-amz-checksum-", 0) == 0) return true;
  }
  return false;
}

awaitable<void> read_stage(Ring& ring, RequestContext& ctx) {
  uint64_t total = 0;
  for (uint64_t seq = 0;; ++seq) {
    while (!ring.failed() && seq >= ring.slowest() + kSlots) co_await ring.wait(kReader);
    if (ring.failed()) co_return;
    Slot& s = ring.slots[seq % kSlots];
    s.n = 0;
    bool end = false;
    while (s.n < kSlotBytes && ctx.body.pending_claims() < kMaxClaimsPerSlot) {
      auto got = co_await ctx.body.read(s.data.get() + s.n, kSlotBytes - s.n);
      if (!got) {
        ring.reader_error = got.error();
        ring.notify();
        co_return;
      }
      if (*got == 0) {
        end = true;
        break;
      }
      s.n += *got;
    }
    s.claims = ctx.body.take_claims();
    total += s.n;
    if (total > ctx.svc.config.max_object_size) {
      ring.reader_error =
          s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.");
      ring.notify();
      co_return;
    }
    ring.produced = seq + 1;
    ring.ended = end;
    ring.notify();
    if (end) co_return;
  }
}

// Runs work(slot) on the pool for every slot in order, as soon as the reader hands it on.
template <class Work>
awaitable<void> consume_stage(Ring& ring, size_t stage, boost::asio::thread_pool& pool, Work work) {
  if (ring.consumed[stage] == kSkipped) co_return;
  for (uint64_t seq = 0;; ++seq) {
    while (!ring.halted(stage, seq) && seq >= ring.produced && !ring.ended) co_await ring.wait(stage);
    if (ring.halted(stage, seq) || seq >= ring.produced) co_return;
    Slot& s = ring.slots[seq % kSlots];
    s3::Status st = co_await run_blocking(pool, [&] { return work(s); });
    if (!st) {
      (stage == kVerify ? ring.verify_error : ring.other_error) = st.error();
      ring.notify();
      co_return;
    }
    ring.consumed[stage] = seq + 1;
    ring.notify();
  }
}

}  // namespace

RingLease::~RingLease() {
  if (held_) g_budget_used.fetch_sub(kSlots * kSlotBytes);
}

std::optional<RingLease> lease_ring() {
  size_t used = g_budget_used.load();
  do {
    if (used + kSlots * kSlotBytes > kBudgetBytes) return std::nullopt;
  } while (!g_budget_used.compare_exchange_weak(used, used + kSlots * kSlotBytes));
  return RingLease();
}

awaitable<s3::Status> pipeline_body(RequestContext& ctx, ObjectWriter& writer, RingLease ring_lease) {
  (void)ring_lease;  // held until the ring is freed below
  ctx.body.defer_verification();
  auto ring = std::make_unique<Ring>(co_await boost::asio::this_coro::executor);
  if (!needs_verifying(ctx)) ring->consumed[kVerify] = kSkipped;
  auto& pool = ctx.svc.blocking;
  co_await (read_stage(*ring, ctx) &&
            consume_stage(*ring, kVerify, pool,
                          [&](Slot& s) { return ctx.body.verify_update(std::move(s.claims), s.data.get(), s.n); }) &&
            consume_stage(*ring, kHash, pool,
                          [&](Slot& s) {
                            writer.hash_md5(s.data.get(), s.n);
                            return s3::Status{};
                          }) &&
            consume_stage(*ring, kWrite, pool,
                          [&](Slot& s) { return s.n == 0 ? s3::Status{} : writer.write_data(s.data.get(), s.n); }));
  if (ring->verify_error) co_return *ring->verify_error;
  if (ring->reader_error) co_return *ring->reader_error;
  if (ring->other_error) co_return *ring->other_error;
  co_return ctx.body.verify_finish();
}

}  // namespace silt::server
