// Gateway zstd on RADOS (design memo §2.5): a compressed pool's data objects each hold
// one stripe, stored as one zstd frame when that is smaller than the stripe and raw
// otherwise. The object's length tells which (a frame is always shorter than the
// stripe it encodes), so no frame table is needed and a Range GET decompresses only
// the objects it touches. (The erasure backend frames inside its EC stripes and keeps
// a table in its shard files: that code is tied to its shard format, hence this one.)
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "rados/backend.h"
#include "rados/connection.h"

namespace silt::rados {

// What to store for the stripe `raw`: a zstd frame at `level` if smaller, else raw
// itself. level 0: raw, always.
bufferlist encode_stripe(bufferlist raw, int level);

// The stripe stored as `stored`, which holds `raw_len` bytes: decompressed when shorter.
// InternalError when it is longer or does not decompress to exactly raw_len.
s3::Result<bufferlist> decode_stripe(bufferlist stored, uint64_t raw_len, const std::string& oid);

// The record's compression field for data written to pool: "zstd" or "".
inline std::string compression(const DataPool& pool) {
  return pool.cfg.zstd_level > 0 ? "zstd" : "";
}

// Raw bytes a pool of this profile takes for `written` bytes of data objects.
inline uint64_t stored_size(uint64_t written, const PoolProfile& prof) {
  return written * static_cast<uint64_t>(prof.k + prof.m) / static_cast<uint64_t>(prof.k);
}

// The inverse for a record's stored bytes: what its writer wrote into a pool of k+m, which
// `ceph df` counts. Exact: stored_size floors written·(k+m)/k, so stored·k/(k+m) lies in
// (written-1, written] and its ceiling is written.
inline uint64_t written_size(uint64_t stored, int k, int m) {
  const uint64_t kk = k > 0 ? static_cast<uint64_t>(k) : 1, km = kk + static_cast<uint64_t>(m > 0 ? m : 0);
  return stored / km * kk + (stored % km * kk + km - 1) / km;
}

}  // namespace silt::rados
