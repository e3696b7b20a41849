#include "erasure/segments.h"

namespace silt {

SegmentStore& Segments::store(const std::string& root) {
  std::lock_guard lock(mu_);
  auto& s = stores_[root];
  if (!s) s = std::make_unique<SegmentStore>(root, target_);
  return *s;
}

}  // namespace silt
