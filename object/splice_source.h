// Zero-copy reads: an ObjectReader that can also hand out its next bytes as references to
// verified page-cache pages (the erasure backend's uncompressed shard files). The server
// asks a reader for it with dynamic_cast and splices such bytes from a pipe to a plain http
// socket (server/http/zero_copy.h); readers without it (encrypted, rados) are read().
#pragma once

#include <cstddef>

namespace silt {

class SpliceSource {
 public:
  virtual ~SpliceSource() = default;
  // Moves up to n of the reader's next bytes into pipe_fd (the write end of a non-blocking
  // pipe, empty on entry) as references to page-cache pages that were checked after the
  // pipe took them, so what the caller splices on is what was verified; the reader's
  // position moves past them. Returns the bytes moved; 0 when the next bytes cannot go
  // this way (compressed data, a missing or damaged block, a small object's segment entry):
  // read() gives those bytes, and the pipe may hold unverified bytes that the caller must
  // discard, never send. May wait for the disk: not on a session thread.
  virtual size_t splice(int pipe_fd, size_t n) = 0;
};

}  // namespace silt
