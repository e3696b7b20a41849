#include "rados/stat_handoff.h"

#include <algorithm>

namespace silt::rados {

StatHandoff::StatHandoff(int64_t gc_grace_ms) : ttl_ms_(std::clamp<int64_t>(gc_grace_ms / 4, 0, kMaxTtlMs)) {}

std::string StatHandoff::identity(const ObjectInfo& info) {
  // The sealed key tells apart two encrypted PUTs of the same bytes in one millisecond.
  std::string id;
  for (const std::string* s : {&info.bucket, &info.key, &info.version_id, &info.etag, &info.meta.sse.sealed_key}) {
    id += *s;
    id += '\0';
  }
  id += std::to_string(info.size) + '\0' + std::to_string(info.mtime_ms);
  return id;
}

void StatHandoff::prune(int64_t now_ms, size_t weight) {
  while (!order_.empty() && (order_.front().first + ttl_ms_ <= now_ms || weight_ + weight > kMaxWeight)) {
    auto [at, id] = std::move(order_.front());
    order_.pop_front();
    auto it = kept_.find(id);
    // A later put of the same identity has its own place further back.
    if (it == kept_.end() || it->second.at_ms != at) continue;
    weight_ -= it->second.weight;
    kept_.erase(it);
  }
}

void StatHandoff::put(const ObjectRecord& rec, const std::string& shard, int64_t now_ms) {
  const size_t weight = 1 + rec.parts.size();
  if (ttl_ms_ <= 0 || weight > kMaxWeight) return;
  std::string id = identity(rec.info);
  std::lock_guard lock(mu_);
  if (auto it = kept_.find(id); it != kept_.end()) {
    weight_ -= it->second.weight;
    kept_.erase(it);
  }
  prune(now_ms, weight);
  order_.emplace_back(now_ms, id);
  kept_.emplace(std::move(id), Entry{std::make_shared<const Kept>(Kept{rec, shard}), now_ms, weight});
  weight_ += weight;
}

std::shared_ptr<const StatHandoff::Kept> StatHandoff::find(const ObjectInfo& info, int64_t now_ms) {
  if (ttl_ms_ <= 0) return nullptr;
  const std::string id = identity(info);
  std::lock_guard lock(mu_);
  auto it = kept_.find(id);
  if (it == kept_.end() || it->second.at_ms + ttl_ms_ <= now_ms || it->second.at_ms > now_ms) return nullptr;
  return it->second.kept;
}

}  // namespace silt::rados
