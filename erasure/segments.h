// The segment files' state of one erasure set (erasure/segment_file.h): the
// store that appends to each drive directory, and the descriptors readers keep
// open. It belongs to the set, not to the process, so two sets in one process
// (tests, tools) never share an open segment or a cached descriptor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "erasure/segment_fds.h"
#include "erasure/segment_store.h"

namespace silt {

class Segments {
 public:
  // target: bytes at which a segment is closed (ErasureConfig::segment_size).
  explicit Segments(uint64_t target = SegmentStore::kSegmentTarget) : target_(target) {}
  Segments(const Segments&) = delete;
  Segments& operator=(const Segments&) = delete;

  // The store of drive directory root, created on first use. Pools may share a
  // directory, so stores are by directory: one open segment per directory.
  // Thread-safe; the reference lives as long as this.
  SegmentStore& store(const std::string& root);

  // Read-only descriptors of this set's segment files.
  SegmentFds& fds() { return fds_; }

  uint64_t target() const { return target_; }

 private:
  const uint64_t target_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<SegmentStore>> stores_;
  SegmentFds fds_;
};

}  // namespace silt
