#include "util/checksum.h"

#include <isa-l/crc.h>

#include <array>
#include <cctype>

#include "util/hash.h"

namespace silt {

namespace {
struct AlgoName {
  ChecksumAlgo algo;
  std::string_view name;
};
constexpr AlgoName kNames[] = {{ChecksumAlgo::CRC32, "CRC32"},
                               {ChecksumAlgo::CRC32C, "CRC32C"},
                               {ChecksumAlgo::CRC64NVME, "CRC64NVME"},
                               {ChecksumAlgo::SHA1, "SHA1"},
                               {ChecksumAlgo::SHA256, "SHA256"}};

// ISA-L 2.30 has no CRC64/NVME, so a slice-by-8 table version of the reflected
// polynomial 0xAD93D23594C93659 lives here.
struct Crc64Tables {
  std::array<std::array<uint64_t, 256>, 8> t{};
  Crc64Tables() {
    constexpr uint64_t poly = 0x9A6C9329AC4BC9B5ULL;  // bit-reversed 0xAD93D23594C93659
    for (uint64_t i = 0; i < 256; i++) {
      uint64_t c = i;
      for (int b = 0; b < 8; b++) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
      t[0][i] = c;
    }
    for (int s = 1; s < 8; s++)
      for (int i = 0; i < 256; i++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};
const Crc64Tables& crc64_tables() {
  static const Crc64Tables tables;
  return tables;
}

std::string big_endian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; i--) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}
}  // namespace

std::optional<ChecksumAlgo> parse_checksum_algo(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; i++)
      same = std::toupper(static_cast<unsigned char>(name[i])) == n.name[i];
    if (same) return n.algo;
  }
  return std::nullopt;
}

std::string_view checksum_algo_name(ChecksumAlgo a) {
  for (const auto& n : kNames)
    if (n.algo == a) return n.name;
  return "";
}

std::string checksum_header_name(ChecksumAlgo a) {
  std::string h = "x-amz-checksum-";
  for (char c : checksum_algo_name(a)) h.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return h;
}

uint32_t crc32_ieee(uint32_t crc, const void* data, size_t n) {
  return crc32_gzip_refl(crc, static_cast<const unsigned char*>(data), n);
}

uint32_t crc32c(uint32_t crc, const void* data, size_t n) {
  return ~crc32_iscsi(static_cast<unsigned char*>(const_cast<void*>(data)), static_cast<int>(n), ~crc);
}

uint64_t crc64nvme(uint64_t crc, const void* data, size_t n) {
  const auto& t = crc64_tables().t;
  auto p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  while (n >= 8) {
    uint64_t v = crc;
    for (int i = 0; i < 8; i++) v ^= static_cast<uint64_t>(p[i]) << (8 * i);
    crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
          t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

namespace {
// GF(2) matrix helpers over reflected CRC registers of up to 64 bits.
uint64_t gf2_times(const uint64_t* mat, uint64_t vec) {
  uint64_t sum = 0;
  for (int i = 0; vec; vec >>= 1, i++)
    if (vec & 1) sum ^= mat[i];
  return sum;
}
void gf2_square(uint64_t* square, const uint64_t* mat, int width) {
  for (int n = 0; n < width; n++) square[n] = gf2_times(mat, mat[n]);
}
struct CrcShape {
  uint64_t poly;  // reflected
  int width;
};
std::optional<CrcShape> shape(ChecksumAlgo a) {
  switch (a) {
    case ChecksumAlgo::CRC32: return CrcShape{0xEDB88320ULL, 32};
    case ChecksumAlgo::CRC32C: return CrcShape{0x82F63B78ULL, 32};
    case ChecksumAlgo::CRC64NVME: return CrcShape{0x9A6C9329AC4BC9B5ULL, 64};
    default: return std::nullopt;
  }
}
}  // namespace

std::optional<uint64_t> crc_combine(ChecksumAlgo a, uint64_t crc1, uint64_t crc2, uint64_t len2) {
  auto sh = shape(a);
  if (!sh) return std::nullopt;
  if (len2 == 0) return crc1;
  uint64_t even[64], odd[64];
  // odd: the operator for one zero bit; then squared to 2 and 4 bits.
  odd[0] = sh->poly;
  uint64_t row = 1;
  for (int n = 1; n < sh->width; n++, row <<= 1) odd[n] = row;
  gf2_square(even, odd, sh->width);
  gf2_square(odd, even, sh->width);
  // Apply len2 zero bytes to crc1, one squaring per bit of len2.
  do {
    gf2_square(even, odd, sh->width);
    if (len2 & 1) crc1 = gf2_times(even, crc1);
    len2 >>= 1;
    if (!len2) break;
    gf2_square(odd, even, sh->width);
    if (len2 & 1) crc1 = gf2_times(odd, crc1);
    len2 >>= 1;
  } while (len2);
  return crc1 ^ crc2;
}

std::optional<uint64_t> crc_from_base64(ChecksumAlgo a, std::string_view b64) {
  auto sh = shape(a);
  std::string raw;
  if (!sh || !base64_decode(b64, raw) || raw.size() != static_cast<size_t>(sh->width / 8)) return std::nullopt;
  uint64_t v = 0;
  for (unsigned char c : raw) v = v << 8 | c;
  return v;
}

std::string crc_to_base64(ChecksumAlgo a, uint64_t crc) {
  auto sh = shape(a);
  return base64_encode(big_endian(crc, sh ? sh->width / 8 : 8));
}

struct Checksummer::Impl {
  uint64_t crc = 0;
  std::optional<Digest> digest;
};

Checksummer::Checksummer(ChecksumAlgo a) : algo_(a), impl_(std::make_unique<Impl>()) {
  if (a == ChecksumAlgo::SHA1) impl_->digest.emplace(Digest::Kind::SHA1);
  if (a == ChecksumAlgo::SHA256) impl_->digest.emplace(Digest::Kind::SHA256);
}
Checksummer::~Checksummer() = default;
Checksummer::Checksummer(Checksummer&&) noexcept = default;
Checksummer& Checksummer::operator=(Checksummer&&) noexcept = default;

void Checksummer::update(const void* data, size_t n) {
  switch (algo_) {
    case ChecksumAlgo::CRC32: impl_->crc = crc32_ieee(static_cast<uint32_t>(impl_->crc), data, n); break;
    case ChecksumAlgo::CRC32C: impl_->crc = crc32c(static_cast<uint32_t>(impl_->crc), data, n); break;
    case ChecksumAlgo::CRC64NVME: impl_->crc = crc64nvme(impl_->crc, data, n); break;
    case ChecksumAlgo::SHA1:
    case ChecksumAlgo::SHA256: impl_->digest->update(data, n); break;
  }
}

std::string Checksummer::finish_base64() {
  switch (algo_) {
    case ChecksumAlgo::CRC32:
    case ChecksumAlgo::CRC32C: return base64_encode(big_endian(impl_->crc, 4));
    case ChecksumAlgo::CRC64NVME: return base64_encode(big_endian(impl_->crc, 8));
    case ChecksumAlgo::SHA1:
    case ChecksumAlgo::SHA256: return base64_encode(impl_->digest->finish());
  }
  return "";
}

}  // namespace silt
