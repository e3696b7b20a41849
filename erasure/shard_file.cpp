#include "erasure/shard_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "object/cached_read.h"
#include "util/checksum.h"

namespace silt {
namespace {

constexpr char kMagic[8] = {'S', 'I', 'L', 'T', 'S', 'H', 'R', 'D'};
constexpr char kTableMagic[8] = {'S', 'I', 'L', 'T', 'T', 'A', 'B', 'L'};
constexpr uint32_t kVersion = 1;          // fixed-length stripes
constexpr uint32_t kVariableVersion = 2;  // one frame per stripe, length table at the end
constexpr size_t kTableTail = 20;         // u64 count, u32 CRC32C, 8 bytes magic
// A table larger than this is not one silt wrote (2^24 stripes of 1 MiB = 16 TiB).
constexpr uint64_t kMaxStripes = 1u << 24;
// Start writeback of a shard every this many bytes (see start_writeback).
constexpr uint64_t kWritebackChunk = 8u << 20;

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{p[i]} << (8 * i);
  return v;
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

void append_shard_block(std::string& image, const uint8_t* data, size_t len) {
  uint8_t crc[4];
  put32(crc, crc32c(0, data, len));
  image.append(reinterpret_cast<const char*>(data), len);
  image.append(reinterpret_cast<const char*>(crc), 4);
}

std::string encode_shard_header(const ShardHeader& h) {
  uint8_t b[ShardHeader::kSize] = {};
  std::memcpy(b, kMagic, 8);
  put32(b + 8, h.variable ? kVariableVersion : kVersion);
  put32(b + 12, h.shard_index);
  put32(b + 16, h.k);
  put32(b + 20, h.m);
  put32(b + 24, h.block_size);
  put32(b + 28, crc32c(0, b, 28));
  return std::string(reinterpret_cast<const char*>(b), sizeof b);
}

bool decode_shard_header(const uint8_t* p, ShardHeader& out) {
  if (std::memcmp(p, kMagic, 8) != 0) return false;
  if (get32(p + 28) != crc32c(0, p, 28)) return false;
  const uint32_t version = get32(p + 8);
  if (version != kVersion && version != kVariableVersion) return false;
  out.variable = version == kVariableVersion;
  out.shard_index = get32(p + 12);
  out.k = get32(p + 16);
  out.m = get32(p + 20);
  out.block_size = get32(p + 24);
  return out.k > 0;
}

s3::Result<ShardFileWriter> ShardFileWriter::create(const std::string& path, const ShardHeader& h) {
  fs::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return fs::io_error("create", path);
  std::string hdr = encode_shard_header(h);
  if (auto s = fs::write_all(fd.get(), hdr.data(), hdr.size(), path); !s) return s.error();
  return ShardFileWriter(std::move(fd), path);
}

s3::Status ShardFileWriter::append(const uint8_t* data, size_t len) {
  if (!fd_.valid()) return s3::Error(s3::Code::InternalError, "write after finish: " + path_);
  uint8_t crc[4];
  put32(crc, crc32c(0, data, len));
  // One syscall per block; fall back to write_all for the rare short writev.
  iovec iov[2] = {{const_cast<uint8_t*>(data), len}, {crc, 4}};
  ssize_t w;
  do {
    w = ::writev(fd_.get(), iov, 2);
  } while (w < 0 && errno == EINTR);
  if (w < 0) return fs::io_error("write", path_);
  bytes_ += len + 4;
  size_t done = static_cast<size_t>(w);
  if (done < len) {
    if (auto s = fs::write_all(fd_.get(), data + done, len - done, path_); !s) return s;
    return fs::write_all(fd_.get(), crc, 4, path_);
  }
  if (done < len + 4) return fs::write_all(fd_.get(), crc + (done - len), len + 4 - done, path_);
  start_writeback();
  return {};
}

void ShardFileWriter::start_writeback() {
  if (bytes_ - written_back_ < kWritebackChunk) return;
  // A large upload would otherwise leave all its shards dirty in the page cache
  // (1.5 GiB per GiB at 4+2) until the commit's syncfs, which then waits for all
  // of it: measured as a 1.3 s stall at the end of a 4.6 s 1 GiB PUT. Asking the
  // kernel to write each 8 MiB as it is filled overlaps the disk with the rest of
  // the upload. Only a hint: durability still comes from the commit's syncfs, so
  // a failure here is left for that sync to report.
  (void)::sync_file_range(fd_.get(), static_cast<off_t>(written_back_), static_cast<off_t>(bytes_ - written_back_),
                          SYNC_FILE_RANGE_WRITE);
  written_back_ = bytes_;
}

s3::Status ShardFileWriter::append_table(const std::vector<uint32_t>& stripe_lens) {
  std::vector<uint8_t> t(stripe_lens.size() * 4 + kTableTail);
  for (size_t i = 0; i < stripe_lens.size(); ++i) put32(t.data() + 4 * i, stripe_lens[i]);
  uint8_t* tail = t.data() + stripe_lens.size() * 4;
  put64(tail, stripe_lens.size());
  put32(tail + 8, crc32c(0, t.data(), stripe_lens.size() * 4 + 8));
  std::memcpy(tail + 12, kTableMagic, 8);
  bytes_ += t.size();
  return fs::write_all(fd_.get(), t.data(), t.size(), path_);
}

s3::Status ShardFileWriter::finish(bool sync) {
  s3::Status s;
  if (sync) s = fs::fsync_fd(fd_.get(), path_);
  fd_.reset();
  return s;
}

s3::Result<ShardFileReader> ShardFileReader::open(const std::string& path, const ShardHeader& expect) {
  auto file = std::make_shared<OpenFile>();
  file->fd = fs::Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file->fd.valid()) return fs::io_error("open", path);
  file->path = path;
  return open_at(std::move(file), 0, 0, expect);
}

namespace {
// The header at p as the one expected, or why not.
s3::Status check_header(const uint8_t* p, const ShardHeader& expect, const std::string& path) {
  ShardHeader h;
  if (!decode_shard_header(p, h)) return s3::Error(s3::Code::InternalError, "bad shard header in " + path);
  if (!(h == expect))
    return s3::Error(s3::Code::InternalError, "shard header of " + path + " does not match the object layout");
  return {};
}
}  // namespace

s3::Result<ShardFileReader> ShardFileReader::open_at(std::shared_ptr<const OpenFile> file, uint64_t base, uint64_t size,
                                                     const ShardHeader& expect) {
  uint8_t b[ShardHeader::kSize];
  if (size != 0 && size < sizeof b) return s3::Error(s3::Code::InternalError, "shard image too short in " + file->path);
  if (auto s = fs::pread_all(file->fd.get(), b, sizeof b, base, file->path); !s) return s.error();
  if (auto s = check_header(b, expect, file->path); !s) return s.error();
  ShardFileReader r(std::move(file), expect, base, size);
  if (expect.variable)
    if (auto s = r.load_table(); !s) return s.error();
  return r;
}

s3::Result<ShardFileReader> ShardFileReader::from_image(std::shared_ptr<const OpenFile> file, uint64_t base,
                                                        std::string image, size_t at, const ShardHeader& expect) {
  if (expect.variable) return s3::Error(s3::Code::InternalError, "compressed shards are read from their file");
  if (image.size() < at + ShardHeader::kSize)
    return s3::Error(s3::Code::InternalError, "shard image too short in " + file->path);
  if (auto s = check_header(reinterpret_cast<const uint8_t*>(image.data() + at), expect, file->path); !s)
    return s.error();
  const uint64_t size = image.size() - at;
  ShardFileReader r(std::move(file), expect, base, size);
  r.image_ = std::move(image);
  r.image_at_ = at;
  return r;
}

s3::Status ShardFileReader::load_table() {
  uint64_t size = size_;
  if (size == 0) {
    struct stat st;
    if (::fstat(fd(), &st) != 0) return fs::io_error("stat", path());
    size = static_cast<uint64_t>(st.st_size);
  }
  auto bad = [&](const char* why) { return s3::Error(s3::Code::InternalError, path() + ": " + why); };
  if (size < ShardHeader::kSize + kTableTail) return bad("too short for a stripe table");
  uint8_t tail[kTableTail];
  if (auto s = fs::pread_all(fd(), tail, sizeof tail, base_ + size - kTableTail, path()); !s) return s;
  const uint64_t count = get64(tail);
  if (std::memcmp(tail + 12, kTableMagic, 8) != 0 || count > kMaxStripes ||
      size < ShardHeader::kSize + kTableTail + count * 4)
    return bad("bad stripe table");
  std::vector<uint8_t> t(count * 4 + 8);
  if (auto s = fs::pread_all(fd(), t.data(), count * 4, base_ + size - kTableTail - count * 4, path()); !s) return s;
  std::memcpy(t.data() + count * 4, tail, 8);
  if (crc32c(0, t.data(), t.size()) != get32(tail + 8)) return bad("stripe table CRC mismatch");
  lens_.resize(count);
  offsets_.resize(count);
  uint64_t at = ShardHeader::kSize;
  const uint64_t k = header_.k;
  for (size_t i = 0; i < count; ++i) {
    lens_[i] = get32(t.data() + 4 * i);
    if (lens_[i] > header_.block_size) return bad("stripe longer than the block size");
    offsets_[i] = at;
    at += (lens_[i] + k - 1) / k + 4;
  }
  if (at + count * 4 + kTableTail != size) return bad("stripe table does not match the file size");
  return {};
}

s3::Status ShardFileReader::read_block(uint64_t stripe, size_t len, uint8_t* out) const {
  uint8_t crc[4];
  iovec iov[2] = {{out, len}, {crc, 4}};
  if (header_.variable && stripe >= offsets_.size())
    return s3::Error(s3::Code::InternalError, path() + ": no stripe " + std::to_string(stripe));
  uint64_t off = header_.variable ? offsets_[stripe] : header_.block_offset(stripe);
  if (size_ != 0 && off + len + 4 > size_)
    return s3::Error(s3::Code::InternalError,
                     path() + ": stripe " + std::to_string(stripe) + " beyond the shard image");
  if (!image_.empty()) {
    // size_ bounds off + len + 4 (above): the block and its CRC are in the image.
    const char* p = image_.data() + image_at_ + off;
    std::memcpy(out, p, len);
    if (get32(reinterpret_cast<const uint8_t*>(p + len)) != crc32c(0, out, len))
      return s3::Error(s3::Code::InternalError, "CRC mismatch in " + path() + " stripe " + std::to_string(stripe));
    return {};
  }
  off += base_;
  ssize_t r;
  // Inside a cached_read::Scope only what the page cache holds (see object/cached_read.h).
  const int flags = cached_read::active() ? RWF_NOWAIT : 0;
  do {
    r = ::preadv2(fd(), iov, 2, static_cast<off_t>(off), flags);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EAGAIN && flags) return fs::would_block(path());
  if (r < 0) return fs::io_error("read", path());
  size_t got = static_cast<size_t>(r);
  if (got < len + 4) {
    // preadv may legally stop early; finish with plain reads (a real EOF is an error).
    if (got < len) {
      if (auto s = fs::pread_all(fd(), out + got, len - got, off + got, path()); !s) return s;
      got = len;
    }
    if (auto s = fs::pread_all(fd(), crc + (got - len), len + 4 - got, off + got, path()); !s) return s;
  }
  if (get32(crc) != crc32c(0, out, len))
    return s3::Error(s3::Code::InternalError, "CRC mismatch in " + path() + " stripe " + std::to_string(stripe));
  return {};
}

s3::Result<size_t> ShardFileReader::splice_block(uint64_t stripe, size_t len, size_t from, size_t to,
                                                 int pipe_fd) const {
  if (header_.variable) return s3::Error(s3::Code::InternalError, path() + ": compressed shards are not spliced");
  if (!map_) {
    uint64_t end = size_ ? base_ + size_ : 0;
    if (end == 0) {
      struct stat st;
      if (::fstat(fd(), &st) != 0) return fs::io_error("stat", path());
      end = static_cast<uint64_t>(st.st_size);
    }
    auto m = ShardMapping::map(fd(), end, path());
    if (!m) return m.error();
    map_ = std::make_unique<ShardMapping>(std::move(*m));
  }
  const uint64_t off = header_.block_offset(stripe);
  if (size_ != 0 && off + len + 4 > size_)
    return s3::Error(s3::Code::InternalError,
                     path() + ": stripe " + std::to_string(stripe) + " beyond the shard image");
  return map_->splice_verified(base_ + off, len, from, to, pipe_fd);
}

}  // namespace silt
