#include "rados/lease.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <list>
#include <map>
#include <set>

#include "rados/buckets.h"
#include "util/time.h"

namespace silt::rados {

namespace {

using bufferlist = librados::bufferlist;
using SteadyClock = std::chrono::steady_clock;

// cls lock's ClsLockType::EXCLUSIVE, as lock_exclusive takes it (tag "").
constexpr char kExclusive = 1;

void put_u32(bufferlist& bl, uint32_t v) {
  char c[4];
  for (int i = 0; i < 4; ++i) c[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  bl.append(c, 4);
}

void put_string(bufferlist& bl, std::string_view s) {
  put_u32(bl, static_cast<uint32_t>(s.size()));
  bl.append(s.data(), static_cast<unsigned>(s.size()));
}

int64_t to_int(const std::map<std::string, bufferlist>& vals, const char* key) {
  auto it = vals.find(key);
  if (it == vals.end()) return 0;
  const std::string s = it->second.to_str();
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string to_str(const std::map<std::string, bufferlist>& vals, const char* key) {
  auto it = vals.find(key);
  return it == vals.end() ? std::string() : it->second.to_str();
}

timeval to_timeval(int64_t ms) {
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

// The lease object's state: the omap, and who holds the lock now (expired lockers are
// trimmed by the OSD before it answers).
s3::Result<LeaseState> read_state(librados::IoCtx& io, const std::string& oid) {
  std::map<std::string, bufferlist> vals;
  int rv = 0;
  librados::ObjectReadOperation op;
  op.omap_get_vals_by_keys({"holder", "cookie", "expires_ms", "cursor", "scanned", "started_ms"}, &vals, &rv);
  int r = io.operate(oid, &op, nullptr);
  if (r == -ENOENT) return LeaseState{};
  if (r < 0) return rados_error("read lifecycle lease", oid, r);
  LeaseState s;
  s.cursor = to_str(vals, "cursor");
  s.scanned = static_cast<uint64_t>(to_int(vals, "scanned"));
  s.pass_started_ms = to_int(vals, "started_ms");
  int exclusive = 0;
  std::string tag;
  std::list<librados::locker_t> lockers;
  r = io.list_lockers(oid, kLeaseLock, &exclusive, &tag, &lockers);
  if (r < 0 && r != -ENOENT) return rados_error("list lifecycle lease lockers of", oid, r);
  if (r >= 0 && !lockers.empty()) {
    const auto& l = lockers.front();
    // The omap names the holder that wrote it; a locker with another cookie took the lock
    // and has not written yet (or is no silt gateway): name it as RADOS does.
    s.holder = l.cookie == to_str(vals, "cookie") ? to_str(vals, "holder") : l.client + " (" + l.cookie + ")";
    s.expires_ms = l.cookie == to_str(vals, "cookie") ? to_int(vals, "expires_ms") : 0;
  }
  return s;
}

class RadosLease final : public BucketLease {
 public:
  RadosLease(Backend& b, std::string oid, std::string cookie, std::string holder, int64_t duration_ms, LeaseState taken,
             SteadyClock::time_point locked)
      : b_(b),
        oid_(std::move(oid)),
        cookie_(std::move(cookie)),
        holder_(std::move(holder)),
        duration_ms_(duration_ms),
        taken_(std::move(taken)),
        renewed_(locked) {}
  ~RadosLease() override { release(); }

  const LeaseState& taken() const override { return taken_; }

  bool keep() override {
    if (lost_ || done_) return false;
    const auto now = SteadyClock::now();
    // renewed_ is taken before each lock call, so the OSD's expiry is at least this late.
    if (now - renewed_ < std::chrono::milliseconds(duration_ms_ / 2)) return true;
    timeval tv = to_timeval(duration_ms_);
    int r = b_.index.lock_exclusive(oid_, kLeaseLock, cookie_, holder_, &tv, LIBRADOS_LOCK_FLAG_MUST_RENEW);
    if (r < 0) return lose("renew", r);
    renewed_ = now;
    librados::ObjectWriteOperation op;
    assert_lease(op, cookie_);
    op.omap_set({{"expires_ms", to_bl(std::to_string(now_ms() + duration_ms_))}});
    if (r = b_.index.operate(oid_, &op); r < 0) return lose("record renewal of", r);
    return true;
  }

  bool save(std::string_view cursor, uint64_t scanned) override {
    if (!keep()) return false;
    librados::ObjectWriteOperation op;
    assert_lease(op, cookie_);
    std::map<std::string, bufferlist> vals{{"scanned", to_bl(std::to_string(scanned))}};
    if (!cursor.empty()) vals["cursor"] = to_bl(cursor);
    op.omap_set(vals);
    if (int r = b_.index.operate(oid_, &op); r < 0) return lose("save cursor in", r);
    return true;
  }

  void finish() override {
    if (done_) return;
    if (!lost_) {
      librados::ObjectWriteOperation op;
      assert_lease(op, cookie_);
      op.omap_rm_keys({"cursor", "scanned", "started_ms"});
      if (int r = b_.index.operate(oid_, &op); r < 0) lose("clear cursor in", r);
    }
    release();
  }

  void release() override {
    if (done_) return;
    done_ = true;
    if (lost_) return;
    if (int r = b_.index.unlock(oid_, kLeaseLock, cookie_); r < 0 && r != -ENOENT)
      spdlog::warn("lifecycle lease {}: unlock: {}", oid_, strerror(-r));
  }

 private:
  bool lose(const char* what, int r) {
    lost_ = true;
    spdlog::warn("lifecycle lease {}: {} failed ({}): lease lost, leaving the bucket", oid_, what, strerror(-r));
    return false;
  }

  Backend& b_;
  std::string oid_;
  std::string cookie_;
  std::string holder_;
  int64_t duration_ms_;
  LeaseState taken_;
  SteadyClock::time_point renewed_;  // when the lock's current duration began (at most)
  bool lost_ = false;
  bool done_ = false;
};

}  // namespace

std::string lease_oid(std::string_view bucket_id) {
  return "lc." + std::string(bucket_id);
}

void assert_lease(librados::ObjectWriteOperation& op, std::string_view cookie) {
  // cls_lock_assert_op (ceph src/cls/lock/cls_lock_ops.h), in Ceph's encoding: a version
  // header (struct_v 1, compat 1, u32 length), then name, type (u8), cookie, tag; strings
  // as u32 length + bytes, all little-endian. The headers that encode it are not packaged.
  bufferlist body;
  put_string(body, kLeaseLock);
  body.append(&kExclusive, 1);
  put_string(body, cookie);
  put_string(body, "");
  bufferlist in;
  const char version[2] = {1, 1};
  in.append(version, 2);
  put_u32(in, body.length());
  in.append(body);
  op.exec("lock", "assert_locked", in);
}

s3::Result<std::unique_ptr<BucketLease>> RadosBucketLeases::take(std::string_view bucket, std::string_view holder,
                                                                 int64_t duration_ms, LeaseState* busy) {
  auto stored = read_bucket(b_, bucket);
  if (!stored) return stored.error();
  const std::string oid = lease_oid(stored->record.id);
  const std::string cookie = random_id();
  const auto started = SteadyClock::now();
  timeval tv = to_timeval(duration_ms);
  int r = b_.index.lock_exclusive(oid, kLeaseLock, cookie, std::string(holder), &tv, 0);
  if (r == -EBUSY || r == -EEXIST) {
    if (busy) {
      auto s = read_state(b_.index, oid);
      *busy = s ? *s : LeaseState{};
    }
    return std::unique_ptr<BucketLease>();
  }
  if (r < 0) return rados_error("take lifecycle lease", oid, r);
  auto state = read_state(b_.index, oid);
  if (!state) {
    (void)b_.index.unlock(oid, kLeaseLock, cookie);
    return state.error();
  }
  const int64_t now = now_ms();
  if (state->cursor.empty() || state->pass_started_ms == 0) state->pass_started_ms = now;
  state->holder = std::string(holder);
  state->expires_ms = now + duration_ms;
  librados::ObjectWriteOperation op;
  assert_lease(op, cookie);
  op.omap_set({{"holder", to_bl(holder)},
               {"cookie", to_bl(cookie)},
               {"expires_ms", to_bl(std::to_string(state->expires_ms))},
               {"started_ms", to_bl(std::to_string(state->pass_started_ms))}});
  if (r = b_.index.operate(oid, &op); r < 0) {
    (void)b_.index.unlock(oid, kLeaseLock, cookie);
    return rados_error("record lifecycle lease holder in", oid, r);
  }
  auto lease =
      std::make_unique<RadosLease>(b_, oid, cookie, std::string(holder), duration_ms, std::move(*state), started);
  return std::unique_ptr<BucketLease>(std::move(lease));
}

s3::Result<LeaseState> RadosBucketLeases::read(std::string_view bucket) {
  auto stored = read_bucket(b_, bucket);
  if (!stored) return stored.error();
  return read_state(b_.index, lease_oid(stored->record.id));
}

}  // namespace silt::rados
