// One shard of one object part on one drive: a 32-byte header, then for every
// stripe the shard block followed by its CRC32C (docs/format.md). Blocks of
// full stripes all have the same length, so block s sits at a computable offset
// and a range read touches only the stripes it needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "erasure/fs.h"

namespace silt {

struct ShardHeader {
  uint32_t shard_index = 0;
  uint32_t k = 0;
  uint32_t m = 0;
  uint32_t block_size = 0;  // object bytes per stripe

  static constexpr size_t kSize = 32;
  // Bytes of this shard's block in a full stripe: ceil(block_size / k).
  uint32_t full_block_len() const { return (block_size + k - 1) / k; }
  // Offset of stripe s's block (blocks of earlier stripes are all full).
  uint64_t block_offset(uint64_t stripe) const { return kSize + stripe * (uint64_t{full_block_len()} + 4); }
  bool operator==(const ShardHeader&) const = default;
};

class ShardFileWriter {
 public:
  // Creates path (must not exist) and writes the header.
  static s3::Result<ShardFileWriter> create(const std::string& path, const ShardHeader& h);
  // Appends one block and its CRC32C.
  s3::Status append(const uint8_t* data, size_t len);
  // fsync and close; the writer is unusable afterwards.
  s3::Status finish();

 private:
  ShardFileWriter(fs::Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  fs::Fd fd_;
  std::string path_;
};

class ShardFileReader {
 public:
  // Opens path and checks that its header is exactly `expect` (wrong file, wrong
  // layout or a damaged header are errors, i.e. the shard counts as missing).
  static s3::Result<ShardFileReader> open(const std::string& path, const ShardHeader& expect);
  // Reads stripe's block of len bytes into out and verifies its CRC.
  s3::Status read_block(uint64_t stripe, size_t len, uint8_t* out) const;

 private:
  ShardFileReader(fs::Fd fd, std::string path, ShardHeader h)
      : fd_(std::move(fd)), path_(std::move(path)), header_(h) {}
  fs::Fd fd_;
  std::string path_;
  ShardHeader header_;
};

std::string encode_shard_header(const ShardHeader& h);
// False when magic, version or header CRC do not match.
bool decode_shard_header(const uint8_t* p, ShardHeader& out);

}  // namespace silt
