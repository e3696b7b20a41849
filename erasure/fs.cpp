#include "erasure/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "object/cached_read.h"

namespace silt::fs {

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

s3::Error io_error(std::string_view what, const std::string& path) {
  return s3::Error(s3::Code::InternalError, std::string(what) + " " + path + ": " + std::strerror(errno));
}

s3::Error would_block(const std::string& what) {
  cached_read::note_would_block();
  return s3::Error(s3::Code::InternalError, "would wait: " + what);
}

s3::Status write_all(int fd, const void* data, size_t n, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

s3::Status pread_all(int fd, void* data, size_t n, uint64_t offset, const std::string& path) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    iovec iov{p, n};
    ssize_t r = cached_read::active() ? ::preadv2(fd, &iov, 1, static_cast<off_t>(offset), RWF_NOWAIT)
                                      : ::pread(fd, p, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && cached_read::active()) return would_block(path);
      return io_error("read", path);
    }
    if (r == 0) return s3::Error(s3::Code::InternalError, "short read " + path + ": file is truncated");
    p += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return {};
}

s3::Status fsync_fd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return io_error("fsync", path);
  return {};
}

s3::Status fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return io_error("open dir", dir);
  return fsync_fd(fd.get(), dir);
}

s3::Status make_dirs(const std::string& dir) {
  // Walk up to the first existing ancestor, then create downwards.
  std::vector<std::string> todo;
  std::filesystem::path p(dir);
  struct stat st {};
  while (!p.empty() && ::stat(p.c_str(), &st) != 0) {
    todo.push_back(p.string());
    if (!p.has_parent_path() || p.parent_path() == p) break;
    p = p.parent_path();
  }
  for (auto it = todo.rbegin(); it != todo.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) return io_error("mkdir", *it);
    size_t slash = it->find_last_of('/');
    std::string parent = slash == std::string::npos ? std::string(".") : it->substr(0, slash == 0 ? 1 : slash);
    if (auto s = fsync_dir(parent); !s) return s;
  }
  return {};
}

namespace {
s3::Status write_new_file(const std::string& path, std::string_view data, bool sync) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return io_error("create", path);
  if (auto s = write_all(fd.get(), data.data(), data.size(), path); !s || !sync) return s;
  return fsync_fd(fd.get(), path);
}
}  // namespace

s3::Status write_file_synced(const std::string& path, std::string_view data) {
  return write_new_file(path, data, true);
}

s3::Status write_file(const std::string& path, std::string_view data) {
  return write_new_file(path, data, false);
}

s3::Result<std::string> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return io_error("open", path);
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t r = ::read(fd.get(), buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path);
    }
    if (r == 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

void remove_all(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace silt::fs
