#include "erasure/reed_solomon.h"

#include <isa-l/erasure_code.h>

#include <cassert>

namespace silt {

ReedSolomon::ReedSolomon(int k, int m)
    : k_(k),
      m_(m),
      matrix_(static_cast<size_t>((k + m) * k)),
      encode_tables_(static_cast<size_t>(32 * k * (m > 0 ? m : 1))) {
  assert(k >= 1 && m >= 0 && k + m <= 255);
  // Cauchy rather than Vandermonde: every k x k submatrix of a Cauchy generator is
  // invertible, so any choice of k surviving shards decodes.
  gf_gen_cauchy1_matrix(matrix_.data(), k + m, k);
  if (m > 0) ec_init_tables(k, m, matrix_.data() + k * k, encode_tables_.data());
}

void ReedSolomon::encode(const uint8_t* const* data, uint8_t* const* parity, size_t len) const {
  if (m_ == 0 || len == 0) return;
  // ISA-L takes non-const pointers but only reads the sources and tables.
  ec_encode_data(static_cast<int>(len), k_, m_, const_cast<unsigned char*>(encode_tables_.data()),
                 const_cast<unsigned char**>(data), const_cast<unsigned char**>(parity));
}

bool ReedSolomon::reconstruct(uint8_t* const* shards, const std::vector<bool>& present, size_t len,
                              bool data_only) const {
  const int n = k_ + m_;
  std::vector<int> survivors;
  std::vector<int> missing;
  for (int i = 0; i < n; ++i) {
    bool ok = i < static_cast<int>(present.size()) && present[static_cast<size_t>(i)];
    if (ok && static_cast<int>(survivors.size()) < k_) survivors.push_back(i);
    if (!ok && (!data_only || i < k_)) missing.push_back(i);
  }
  if (static_cast<int>(survivors.size()) < k_) return false;
  if (missing.empty() || len == 0) return true;

  // Rows of the generator for the survivors, inverted: maps survivor bytes back to data.
  std::vector<uint8_t> sub(static_cast<size_t>(k_ * k_));
  for (int r = 0; r < k_; ++r)
    for (int c = 0; c < k_; ++c)
      sub[static_cast<size_t>(r * k_ + c)] = matrix_[static_cast<size_t>(survivors[static_cast<size_t>(r)] * k_ + c)];
  std::vector<uint8_t> inv(static_cast<size_t>(k_ * k_));
  if (gf_invert_matrix(sub.data(), inv.data(), k_) != 0) return false;  // cannot happen for Cauchy

  // One decode row per missing shard: data row i is inv[i]; parity row p is
  // matrix[p] * inv (re-encode from the rebuilt data in one pass).
  const int rows = static_cast<int>(missing.size());
  std::vector<uint8_t> decode(static_cast<size_t>(rows * k_));
  for (int r = 0; r < rows; ++r) {
    int idx = missing[static_cast<size_t>(r)];
    uint8_t* out = &decode[static_cast<size_t>(r * k_)];
    if (idx < k_) {
      for (int c = 0; c < k_; ++c) out[c] = inv[static_cast<size_t>(idx * k_ + c)];
    } else {
      for (int c = 0; c < k_; ++c) {
        uint8_t acc = 0;
        for (int j = 0; j < k_; ++j)
          acc ^= gf_mul(matrix_[static_cast<size_t>(idx * k_ + j)], inv[static_cast<size_t>(j * k_ + c)]);
        out[c] = acc;
      }
    }
  }
  std::vector<uint8_t> tables(static_cast<size_t>(32 * k_ * rows));
  ec_init_tables(k_, rows, decode.data(), tables.data());
  std::vector<uint8_t*> src(static_cast<size_t>(k_));
  std::vector<uint8_t*> dst(static_cast<size_t>(rows));
  for (int i = 0; i < k_; ++i) src[static_cast<size_t>(i)] = shards[survivors[static_cast<size_t>(i)]];
  for (int r = 0; r < rows; ++r) dst[static_cast<size_t>(r)] = shards[missing[static_cast<size_t>(r)]];
  ec_encode_data(static_cast<int>(len), k_, rows, tables.data(), src.data(), dst.data());
  return true;
}

}  // namespace silt
