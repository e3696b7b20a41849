// Sizes of an encrypted object (docs/encryption.md, "Format"): the storage keeps packages of
// 64 KiB of plaintext, each 28 bytes longer (nonce and tag), and records their stored size;
// clients see the plaintext's. Shared by crypto/ (which writes the packages) and index/
// (whose listing header carries what a listing prints).
#pragma once

#include <cstdint>

#include "common/object_model.h"

namespace silt {

inline constexpr uint64_t kSsePackagePlain = 64 * 1024;
inline constexpr uint64_t kSsePackageOverhead = 12 + 16;  // nonce + GCM tag

// Stored bytes of one stream (a single PUT's data or one part) of `plain` plaintext bytes.
constexpr uint64_t sse_sealed_size(uint64_t plain) {
  return plain + (plain + kSsePackagePlain - 1) / kSsePackagePlain * kSsePackageOverhead;
}

// The inverse: every package but a stream's last is full, so each stored size has one
// plaintext size.
constexpr uint64_t sse_plain_size(uint64_t sealed) {
  constexpr uint64_t whole = kSsePackagePlain + kSsePackageOverhead;
  const uint64_t packages = (sealed + whole - 1) / whole;
  return sealed > packages * kSsePackageOverhead ? sealed - packages * kSsePackageOverhead : 0;
}

// The size a client sees of an object as the storage reports it (stored sizes): an
// encrypted object's plaintext size, summed over its parts; size itself otherwise. What
// listings, lifecycle size filters and usage count, as AWS does.
inline uint64_t client_size(const ObjectInfo& info) {
  if (info.meta.sse.empty()) return info.size;
  if (info.parts.empty()) return sse_plain_size(info.size);
  uint64_t plain = 0;
  for (const auto& p : info.parts) plain += sse_plain_size(p.size);
  return plain;
}

static_assert(sse_plain_size(sse_sealed_size(0)) == 0 && sse_plain_size(sse_sealed_size(1)) == 1);
static_assert(sse_plain_size(sse_sealed_size(kSsePackagePlain)) == kSsePackagePlain);
static_assert(sse_plain_size(sse_sealed_size(kSsePackagePlain + 1)) == kSsePackagePlain + 1);

}  // namespace silt
