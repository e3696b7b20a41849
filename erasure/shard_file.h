// One shard of one object part on one drive: a 32-byte header, then for every
// stripe the shard block followed by its CRC32C (docs/format.md). Blocks of
// full stripes all have the same length, so block s sits at a computable offset
// and a range read touches only the stripes it needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "erasure/fs.h"
#include "erasure/segment_fds.h"
#include "erasure/shard_splice.h"

namespace silt {

struct ShardHeader {
  uint32_t shard_index = 0;
  uint32_t k = 0;
  uint32_t m = 0;
  uint32_t block_size = 0;  // object bytes per stripe
  // Compressed pools: every stripe holds one zstd frame (or the raw block), so
  // stripes differ in length and a table of their lengths ends the file.
  bool variable = false;

  static constexpr size_t kSize = 32;
  // Bytes of this shard's block in a full stripe: ceil(block_size / k).
  uint32_t full_block_len() const { return (block_size + k - 1) / k; }
  // Offset of stripe s's block in a fixed-length file (blocks of earlier stripes are all full).
  uint64_t block_offset(uint64_t stripe) const { return kSize + stripe * (uint64_t{full_block_len()} + 4); }
  bool operator==(const ShardHeader&) const = default;
};

class ShardFileWriter {
 public:
  // Creates path (must not exist) and writes the header.
  static s3::Result<ShardFileWriter> create(const std::string& path, const ShardHeader& h);
  // Appends one block and its CRC32C.
  s3::Status append(const uint8_t* data, size_t len);
  // Variable files only: appends the stripe length table (docs/format.md).
  s3::Status append_table(const std::vector<uint32_t>& stripe_lens);
  // fsync (unless sync is false: the caller makes it durable another way, e.g.
  // GroupSync) and close; the writer is unusable afterwards.
  s3::Status finish(bool sync = true);
  // Bytes written so far, header included.
  uint64_t bytes() const { return bytes_; }

 private:
  ShardFileWriter(fs::Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  void start_writeback();
  fs::Fd fd_;
  std::string path_;
  uint64_t bytes_ = ShardHeader::kSize;
  uint64_t written_back_ = 0;  // bytes handed to start_writeback so far
};

class ShardFileReader {
 public:
  // Opens path and checks that its header is exactly `expect` (wrong file, wrong
  // layout or a damaged header are errors, i.e. the shard counts as missing).
  // Variable files also load and check their stripe length table.
  static s3::Result<ShardFileReader> open(const std::string& path, const ShardHeader& expect);
  // The same for a shard image of `size` bytes starting at byte `base` of an
  // open file (a segment file entry, erasure/segment_file.h).
  static s3::Result<ShardFileReader> open_at(std::shared_ptr<const OpenFile> file, uint64_t base, uint64_t size,
                                             const ShardHeader& expect);
  // The same for a shard image already read into memory: image holds the image's
  // bytes from byte `at` on (file stays the image's file, for errors and splicing).
  // Fixed-length shards only. Blocks are checked against their CRCs when read, as always.
  static s3::Result<ShardFileReader> from_image(std::shared_ptr<const OpenFile> file, uint64_t base, std::string image,
                                                size_t at, const ShardHeader& expect);
  // Reads stripe's block of len bytes into out and verifies its CRC.
  s3::Status read_block(uint64_t stripe, size_t len, uint8_t* out) const;
  // Zero-copy: bytes [from, to) of stripe's block (len bytes) into pipe_fd, pinned there
  // before the block's CRC is checked (erasure/shard_splice.h). Fixed-length files only.
  // Returns the bytes the pipe took; an error (the pipe may hold some of them, to be
  // drained, never sent) when the block is damaged or cannot be mapped.
  s3::Result<size_t> splice_block(uint64_t stripe, size_t len, size_t from, size_t to, int pipe_fd) const;
  // Variable files: stored length of every stripe (the frame, before splitting into k blocks).
  const std::vector<uint32_t>& stripe_lens() const { return lens_; }

 private:
  ShardFileReader(std::shared_ptr<const OpenFile> file, ShardHeader h, uint64_t base = 0, uint64_t size = 0)
      : file_(std::move(file)), header_(h), base_(base), size_(size) {}
  s3::Status load_table();
  int fd() const { return file_->fd.get(); }
  const std::string& path() const { return file_->path; }
  // Shared with the segment descriptor cache (erasure/segment_fds.h) for segment entries.
  std::shared_ptr<const OpenFile> file_;
  ShardHeader header_;
  // from_image: the image's bytes from image_at_ on; empty: blocks are read from the file.
  std::string image_;
  size_t image_at_ = 0;
  uint64_t base_ = 0;  // where the image starts in the file
  uint64_t size_ = 0;  // image bytes; 0: to the end of the file
  std::vector<uint32_t> lens_;
  std::vector<uint64_t> offsets_;  // variable files: offset of each stripe's block
  // splice_block's mapping of the file, made on its first use (most readers never splice).
  mutable std::unique_ptr<ShardMapping> map_;
};

std::string encode_shard_header(const ShardHeader& h);
// Builds a shard image in memory (the bytes of a part.N file, for a segment
// entry): start with encode_shard_header, then append every stripe's block.
void append_shard_block(std::string& image, const uint8_t* data, size_t len);
// False when magic, version or header CRC do not match.
bool decode_shard_header(const uint8_t* p, ShardHeader& out);

}  // namespace silt
