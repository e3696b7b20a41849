#include "object/local_lease.h"

#include <chrono>

namespace silt {

namespace {

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

class LocalLease final : public BucketLease {
 public:
  LocalLease(LocalBucketLeases& owner, std::string bucket, int64_t duration_ms, LeaseState state)
      : owner_(owner), bucket_(std::move(bucket)), duration_ms_(duration_ms), taken_(std::move(state)) {}
  ~LocalLease() override { release(); }

  const LeaseState& taken() const override { return taken_; }

  bool keep() override {
    if (done_) return false;
    std::lock_guard lock(owner_.mu_);
    owner_.held_[bucket_].expires_ms = wall_ms() + duration_ms_;
    return true;
  }

  bool save(std::string_view cursor, uint64_t scanned) override {
    if (!keep()) return false;
    // Persisted so that a restart resumes here rather than from the start.
    if (!cursor.empty()) (void)owner_.objects_.put_bucket_config(bucket_, kLocalCursorDoc, cursor);
    std::lock_guard lock(owner_.mu_);
    auto& s = owner_.held_[bucket_];
    s.cursor = cursor;
    s.scanned = scanned;
    return true;
  }

  void finish() override {
    if (done_) return;
    (void)owner_.objects_.delete_bucket_config(bucket_, kLocalCursorDoc);
    drop();
  }

  void release() override {
    if (!done_) drop();
  }

 private:
  void drop() {
    done_ = true;
    std::lock_guard lock(owner_.mu_);
    owner_.held_.erase(bucket_);
  }

  LocalBucketLeases& owner_;
  std::string bucket_;
  int64_t duration_ms_;
  LeaseState taken_;
  bool done_ = false;
};

s3::Result<std::unique_ptr<BucketLease>> LocalBucketLeases::take(std::string_view bucket, std::string_view holder,
                                                                 int64_t duration_ms, LeaseState* busy) {
  auto cursor = objects_.get_bucket_config(bucket, kLocalCursorDoc);
  if (!cursor) return cursor.error();
  const int64_t now = wall_ms();
  std::lock_guard lock(mu_);
  auto it = held_.find(bucket);
  if (it != held_.end() && it->second.holder != holder && it->second.expires_ms > now) {
    if (busy) *busy = it->second;
    return std::unique_ptr<BucketLease>();
  }
  LeaseState s;
  s.holder = std::string(holder);
  s.expires_ms = now + duration_ms;
  s.cursor = cursor->value_or("");
  s.pass_started_ms = now;
  held_[std::string(bucket)] = s;
  return std::unique_ptr<BucketLease>(std::make_unique<LocalLease>(*this, std::string(bucket), duration_ms, s));
}

s3::Result<LeaseState> LocalBucketLeases::read(std::string_view bucket) {
  {
    std::lock_guard lock(mu_);
    if (auto it = held_.find(bucket); it != held_.end()) return it->second;
  }
  auto cursor = objects_.get_bucket_config(bucket, kLocalCursorDoc);
  if (!cursor) return cursor.error();
  LeaseState s;
  s.cursor = cursor->value_or("");
  return s;
}

}  // namespace silt
