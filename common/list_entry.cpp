#include "common/list_entry.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace silt {

namespace {
// A page of 1000 entries of short keys fits in about three chunks.
constexpr size_t kChunkBytes = 16 << 10;
}  // namespace

PageText::PageText(PageText&& o) noexcept
    : chunks_(std::move(o.chunks_)), free_(std::exchange(o.free_, nullptr)), left_(std::exchange(o.left_, 0)) {}

PageText& PageText::operator=(PageText&& o) noexcept {
  chunks_ = std::move(o.chunks_);
  free_ = std::exchange(o.free_, nullptr);
  left_ = std::exchange(o.left_, 0);
  return *this;
}

std::string_view PageText::keep(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > left_) {
    // A key longer than a chunk (up to 1 KiB, or an old record's) gets a chunk its size.
    const size_t n = std::max(kChunkBytes, s.size());
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(n));
    free_ = chunks_.back().get();
    left_ = n;
  }
  char* at = free_;
  std::memcpy(at, s.data(), s.size());
  free_ += s.size();
  left_ -= s.size();
  return {at, s.size()};
}

}  // namespace silt
