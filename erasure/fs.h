// Small POSIX file helpers for the crash-safe write path: we need fsync on
// files and directories and exact errno messages, which std::filesystem and
// iostreams do not give.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace silt::fs {

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset();

 private:
  int fd_ = -1;
};

// "<what> <path>: <strerror(errno)>" as an InternalError.
s3::Error io_error(std::string_view what, const std::string& path);
// A read (of the file or lock `what`) inside a cached_read::Scope that would have
// waited: noted there, and an error for the caller (whose result is then thrown away).
s3::Error would_block(const std::string& what);

// Writes all of data at the current position; retries short writes and EINTR.
s3::Status write_all(int fd, const void* data, size_t n, const std::string& path);
// Reads exactly n bytes at offset; a short file is an error. Inside a
// cached_read::Scope only from the page cache (else would_block).
s3::Status pread_all(int fd, void* data, size_t n, uint64_t offset, const std::string& path);

s3::Status fsync_fd(int fd, const std::string& path);
// Makes a rename or create inside dir durable.
s3::Status fsync_dir(const std::string& dir);
// Every file and directory here is created 0600 / 0700 (docs/security.md, "Files on
// disk"): object data is readable by silt's user alone, whatever the umask.
// mkdir -p; fsyncs each parent whose entry it created so the new path survives a crash.
s3::Status make_dirs(const std::string& dir);

// Creates path (truncating), writes data, fsyncs the file. The caller renames it into place.
s3::Status write_file_synced(const std::string& path, std::string_view data);
// The same without the fsync, for callers that make it durable with a GroupSync.
s3::Status write_file(const std::string& path, std::string_view data);
s3::Result<std::string> read_file(const std::string& path);

// rm -rf; a missing path is fine.
void remove_all(const std::string& path);
bool exists(const std::string& path);
bool is_dir(const std::string& path);

}  // namespace silt::fs
