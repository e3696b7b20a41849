// Incremental digests and MACs (OpenSSL EVP underneath) plus hex/base64.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace silt {

// One incremental digest; kind picks the algorithm. Cheap to move, not to copy.
class Digest {
 public:
  enum class Kind { MD5, SHA1, SHA256 };
  explicit Digest(Kind k);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Raw digest bytes; the object is reset and may be reused afterwards.
  std::string finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string md5_raw(std::string_view data);
std::string sha256_raw(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_raw(std::string_view key, std::string_view data);

std::string hex_encode(std::string_view raw);  // lowercase
// Returns false on odd length or a non-hex character.
bool hex_decode(std::string_view hex, std::string& out);
std::string base64_encode(std::string_view raw);
bool base64_decode(std::string_view b64, std::string& out);

// Compares without an early exit, so timing reveals nothing about where two MACs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace silt
