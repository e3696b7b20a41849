// Appends entries to a drive's segment files (erasure/segment_file.h): one open
// segment per drive directory, shared by every pool on that drive, a new one
// at every start and whenever the open one reaches kSegmentTarget bytes. The
// store writes but never fsyncs: the writer makes its entry durable with the
// drive's GroupSync, together with every other write of that moment, before it
// commits the index (docs/format.md, "Segment files").
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "common/error.h"
#include "erasure/fs.h"

namespace silt {

class SegmentStore {
 public:
  // A segment holding this many bytes is closed; the next append opens another.
  static constexpr uint64_t kSegmentTarget = 64u << 20;

  // The store of the drive directory root (created on first use; lives until exit).
  static SegmentStore& of(const std::string& root);

  struct Placed {
    uint64_t segment = 0;
    uint64_t offset = 0;
  };
  // Writes entry (one whole encoded entry) at the end of the open segment with a
  // single write, so concurrent appends never interleave. A segment whose file
  // was removed under us (the drive wiped) is abandoned for a new one.
  s3::Result<Placed> append(std::string_view entry);

  // The segment appends go to now (0: none opened yet); compaction and the
  // startup sweep leave it alone.
  uint64_t open_segment() const;

  explicit SegmentStore(std::string root) : root_(std::move(root)) {}

 private:
  s3::Status open_new();  // under mu_

  std::string root_;
  mutable std::mutex mu_;
  fs::Fd fd_;
  uint64_t id_ = 0;
  uint64_t size_ = 0;
};

}  // namespace silt
