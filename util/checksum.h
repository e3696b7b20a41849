// The checksums S3 clients send as x-amz-checksum-*: CRC32 (IEEE, as zlib),
// CRC32C (Castagnoli), CRC64NVME, SHA1, SHA256. Values travel as base64 of
// the big-endian bytes, exactly as the headers carry them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace silt {

enum class ChecksumAlgo { CRC32, CRC32C, CRC64NVME, SHA1, SHA256 };

// "CRC32" <-> algo; parse accepts any case ("crc32", "CRC32").
std::optional<ChecksumAlgo> parse_checksum_algo(std::string_view name);
std::string_view checksum_algo_name(ChecksumAlgo a);  // "CRC32", "CRC32C", ...
// "x-amz-checksum-crc32" etc.
std::string checksum_header_name(ChecksumAlgo a);

uint32_t crc32_ieee(uint32_t crc, const void* data, size_t n);  // zlib-compatible, start with 0
uint32_t crc32c(uint32_t crc, const void* data, size_t n);      // iSCSI, start with 0
uint64_t crc64nvme(uint64_t crc, const void* data, size_t n);   // start with 0

// The CRC of A||B from crc(A), crc(B) and B's length (zlib's crc32_combine, for any
// of the three CRCs): how a multipart object gets a full-object CRC without
// reading its data again. SHA algorithms cannot be combined: nullopt.
std::optional<uint64_t> crc_combine(ChecksumAlgo a, uint64_t crc1, uint64_t crc2, uint64_t len2);
// Base64 checksum values <-> integers, big-endian as S3 encodes them.
std::optional<uint64_t> crc_from_base64(ChecksumAlgo a, std::string_view b64);
std::string crc_to_base64(ChecksumAlgo a, uint64_t crc);

class Checksummer {
 public:
  explicit Checksummer(ChecksumAlgo a);
  ~Checksummer();
  Checksummer(Checksummer&&) noexcept;
  Checksummer& operator=(Checksummer&&) noexcept;
  ChecksumAlgo algo() const { return algo_; }
  void update(const void* data, size_t n);
  std::string finish_base64();

 private:
  ChecksumAlgo algo_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace silt
