#include "erasure/shard_splice.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "erasure/fs.h"
#include "util/checksum.h"

namespace silt {

s3::Result<ShardMapping> ShardMapping::map(int fd, uint64_t end, const std::string& path) {
  if (end == 0) return s3::Error(s3::Code::InternalError, path + ": nothing to map");
  void* p = ::mmap(nullptr, static_cast<size_t>(end), PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return fs::io_error("mmap", path);
  return ShardMapping(static_cast<const uint8_t*>(p), static_cast<size_t>(end), path);
}

ShardMapping::ShardMapping(ShardMapping&& o) noexcept : base_(o.base_), size_(o.size_), path_(std::move(o.path_)) {
  o.base_ = nullptr;
  o.size_ = 0;
}

ShardMapping::~ShardMapping() {
  if (base_) ::munmap(const_cast<uint8_t*>(base_), size_);
}

s3::Result<size_t> ShardMapping::splice_verified(uint64_t off, size_t len, size_t from, size_t to, int pipe_fd) const {
  // Within the mapping, or a page past the file's end would fault (SIGBUS).
  if (from >= to || to > len || off > size_ || size_ - off < len + 4)
    return s3::Error(s3::Code::InternalError, path_ + ": block at " + std::to_string(off) + " beyond the shard file");
  const uint8_t* block = base_ + off;
  iovec iov{const_cast<uint8_t*>(block + from), to - from};
  ssize_t n;
  do {
    n = ::vmsplice(pipe_fd, &iov, 1, SPLICE_F_NONBLOCK);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return size_t{0};
  if (n < 0) return fs::io_error("vmsplice", path_);
  // The pipe now holds the pages [from, from + n): the check reads those very pages.
  const uint8_t* c = block + len;
  const uint32_t stored = uint32_t{c[0]} | uint32_t{c[1]} << 8 | uint32_t{c[2]} << 16 | uint32_t{c[3]} << 24;
  if (crc32c(0, block, len) != stored)
    return s3::Error(s3::Code::InternalError, "CRC mismatch in " + path_ + " at " + std::to_string(off));
  return static_cast<size_t>(n);
}

}  // namespace silt
