// Generated object bodies: a 1 MiB random pattern repeated, so any size costs no memory,
// with the SHA-256 digests a signed PUT needs computed once, before the clock starts.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace silt::bench {

inline constexpr size_t kPatternSize = 1 << 20;

class Payload {
 public:
  // chunk_size: aws-chunked data per chunk; must divide kPatternSize. zeros: an all-zero
  // pattern instead of random bytes (only for measuring memory through a compressed pool).
  explicit Payload(size_t chunk_size, bool zeros = false);

  // Bytes [offset, offset + n) of any body; n must not cross a pattern boundary.
  std::string_view slice(uint64_t offset, size_t n) const;
  // Largest piece starting at offset that slice() can return, capped at max.
  size_t piece(uint64_t offset, uint64_t max) const;

  // Hex SHA-256 of a whole body of size bytes (cached per size).
  std::string body_sha256_hex(uint64_t size);
  // Hex SHA-256 of aws-chunked chunk data starting at offset with length n.
  std::string chunk_sha256_hex(uint64_t offset, size_t n) const;
  size_t chunk_size() const { return chunk_size_; }

 private:
  std::string pattern_;
  size_t chunk_size_;
  std::vector<std::string> chunk_hashes_;  // full chunks, by index inside the pattern
  std::mutex mu_;
  std::map<uint64_t, std::string> body_hashes_;
};

}  // namespace silt::bench
