// Zero-copy reads of shard blocks: a read-only mapping of a shard file whose verified
// pages go into a pipe by reference (vmsplice), for a session to splice to its socket.
// What leaves through the pipe is what was checked: the pipe takes references to the
// page-cache pages first (the kernel then can neither evict nor migrate them), and only
// then is the block's CRC32C computed through the mapping, over those same pages. A page
// read again from a rotting disk between a check and a send cannot happen, as it could
// with a check followed by sendfile. docs/performance.md, "GET path".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"

namespace silt {

class ShardMapping {
 public:
  // Maps bytes [0, end) of fd (which stays open as long as the mapping is used) read-only.
  static s3::Result<ShardMapping> map(int fd, uint64_t end, const std::string& path);
  ShardMapping(ShardMapping&& o) noexcept;
  ShardMapping& operator=(ShardMapping&& o) = delete;
  ShardMapping(const ShardMapping&) = delete;
  ~ShardMapping();

  // The block of len bytes at byte off of the file, followed by its CRC32C: moves its bytes
  // [from, to) into pipe_fd (non-blocking) as page references, then checks the whole block.
  // Returns how many bytes the pipe took (fewer than to - from when it filled; 0 when it had
  // no room). An error when the block is beyond the mapping or fails its check: the pipe
  // may then hold bytes of this block, which must never be sent (the pipe's owner empties it).
  // May wait for the disk (page faults): not on a session thread.
  s3::Result<size_t> splice_verified(uint64_t off, size_t len, size_t from, size_t to, int pipe_fd) const;

 private:
  ShardMapping(const uint8_t* base, size_t size, std::string path) : base_(base), size_(size), path_(std::move(path)) {}
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace silt
