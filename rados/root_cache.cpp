#include "rados/root_cache.h"

#include <spdlog/spdlog.h>

namespace silt::rados {

namespace {
// A cache of configs for more buckets than this starts again from empty rather than
// grow without bound (every bucket a gateway serves is a few small entries).
constexpr size_t kMaxBuckets = 4096;
}  // namespace

RootCache::RootCache(Backend& b, uint32_t watch_timeout_s) : b_(b) {
  auto w = Watch::start(
      b.index, kRootObject, watch_timeout_s, [this](std::string_view bucket) { forget(bucket); },
      [this] { forget_all(); });
  if (!w) {
    spdlog::warn("rados: no watch on {} ({}): bucket records and configs are read from the cluster every time",
                 kRootObject, w.error().message);
    return;
  }
  watch_ = std::move(*w);
}

void RootCache::forget(std::string_view bucket) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cached_.find(bucket); it != cached_.end()) cached_.erase(it);
  }
  b_.forget_bucket(bucket);  // a deleted and re-created bucket has another shard
  if (on_change_) on_change_(bucket);
}

void RootCache::forget_all() {
  {
    std::lock_guard lock(mu_);
    cached_.clear();
  }
  if (on_change_) on_change_("");
}

s3::Result<std::map<std::string, std::string>> RootCache::read(std::string_view bucket,
                                                               const std::vector<std::string>& entries) {
  const bool trusted = watch_ && watch_->healthy();
  if (trusted) {
    std::lock_guard lock(mu_);
    if (auto it = cached_.find(bucket); it != cached_.end()) {
      std::map<std::string, std::string> out;
      bool all = true;
      for (const auto& e : entries) {
        auto v = it->second.find(e);
        if (v == it->second.end()) {
          all = false;
          break;
        }
        if (v->second) out.emplace(e, *v->second);
      }
      if (all) return out;
    }
  } else if (watch_) {
    forget_all();  // notifies may be missed: nothing read now stays
  }
  const uint64_t gen = watch_ ? watch_->generation() : 0;
  librados::ObjectReadOperation op;
  std::map<std::string, bufferlist> vals;
  int rv = 0;
  op.omap_get_vals_by_keys(std::set<std::string>(entries.begin(), entries.end()), &vals, &rv);
  if (int r = b_.index.operate(kRootObject, &op, nullptr); r < 0) return rados_error("read", kRootObject, r);
  std::map<std::string, std::string> out;
  for (auto& [k, v] : vals) out.emplace(k, v.to_str());
  if (trusted) {
    std::lock_guard lock(mu_);
    // Only what no invalidation overtook: a notify between the read and here may be
    // about exactly these entries.
    if (watch_->generation() == gen) {
      if (cached_.size() >= kMaxBuckets && !cached_.count(bucket)) cached_.clear();
      auto& slot = cached_[std::string(bucket)];
      for (const auto& e : entries) {
        auto v = out.find(e);
        slot[e] = v == out.end() ? std::nullopt : std::optional<std::string>(v->second);
      }
    }
  }
  return out;
}

void RootCache::changed(std::string_view bucket) {
  forget(bucket);
  if (watch_) Watch::notify(b_.index, kRootObject, bucket);
}

}  // namespace silt::rados
