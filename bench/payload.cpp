#include "bench/payload.h"

#include <random>
#include <stdexcept>

#include "util/hash.h"

namespace silt::bench {

Payload::Payload(size_t chunk_size, bool zeros) : pattern_(kPatternSize, '\0'), chunk_size_(chunk_size) {
  if (chunk_size == 0 || kPatternSize % chunk_size != 0)
    throw std::invalid_argument("--chunk-size must divide 1 MiB (e.g. 8K, 64K, 1M)");
  // Random bytes: nothing on the server path may profit from a compressible body.
  std::mt19937_64 rng(0x5117);
  for (size_t i = 0; i < kPatternSize && !zeros; i += 8) {
    uint64_t v = rng();
    for (int b = 0; b < 8; ++b) pattern_[i + b] = static_cast<char>(v >> (8 * b));
  }
  for (size_t off = 0; off < kPatternSize; off += chunk_size)
    chunk_hashes_.push_back(sha256_hex(std::string_view(pattern_).substr(off, chunk_size)));
}

std::string_view Payload::slice(uint64_t offset, size_t n) const {
  return std::string_view(pattern_).substr(offset % kPatternSize, n);
}

size_t Payload::piece(uint64_t offset, uint64_t max) const {
  uint64_t left_in_pattern = kPatternSize - offset % kPatternSize;
  return static_cast<size_t>(std::min(left_in_pattern, max));
}

std::string Payload::body_sha256_hex(uint64_t size) {
  std::lock_guard lock(mu_);
  auto it = body_hashes_.find(size);
  if (it != body_hashes_.end()) return it->second;
  Digest d(Digest::Kind::SHA256);
  for (uint64_t off = 0; off < size;) {
    size_t n = piece(off, size - off);
    d.update(slice(off, n));
    off += n;
  }
  std::string hex = hex_encode(d.finish());
  body_hashes_.emplace(size, hex);
  return hex;
}

std::string Payload::chunk_sha256_hex(uint64_t offset, size_t n) const {
  if (n == chunk_size_ && offset % chunk_size_ == 0) return chunk_hashes_[(offset % kPatternSize) / chunk_size_];
  return sha256_hex(slice(offset, n));
}

}  // namespace silt::bench
