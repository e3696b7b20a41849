// Read-only descriptors of segment files (erasure/segment_file.h), kept open
// between reads: a small GET reads one shard from each of six segment files,
// and opening them by path (a directory walk per file, then a close) cost more
// than the reads (docs/performance.md, "4 KiB GET"). A cached descriptor is used
// only while its file is still linked (one fstat), so a file removed or replaced
// behind silt's back (a lost or wiped drive) is opened again by path and found
// missing, as before. Segment ids are never reused by a directory's store
// (SegmentStore), so a linked file of the same id is the same file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/error.h"
#include "erasure/fs.h"

namespace silt {

// One open file and the path it was opened by (for error messages).
struct OpenFile {
  fs::Fd fd;
  std::string path;
};

// One per erasure set (erasure/segments.h); segment ids are per drive root, which the
// key includes.
class SegmentFds {
 public:
  // Descriptors kept at most; past that the cache is emptied and refills with what is read.
  // Bounded well below the file limit silt raises for connections (server/http/server.cpp).
  static constexpr size_t kMaxOpen = 256;

  // Segment `id` of the drive at root, open read-only: the cached descriptor when its
  // file is still linked, else opened by path (and cached). The error of open(2) when
  // the file cannot be opened. Thread-safe; the caller may keep the result past forget().
  s3::Result<std::shared_ptr<const OpenFile>> open(const std::string& root, uint64_t id);

  // The segment is being removed: its descriptor leaves the cache (readers that hold
  // it keep reading the file they opened), so its space is freed once they are done.
  void forget(const std::string& root, uint64_t id);

  size_t size() const;

 private:
  mutable std::mutex mu_;
  // By drive root, then segment id: a hit builds no path.
  std::map<std::string, std::unordered_map<uint64_t, std::shared_ptr<const OpenFile>>, std::less<>> open_;
  size_t count_ = 0;
};

}  // namespace silt
