// Reed-Solomon codec over GF(2^8) (ISA-L): k data blocks + m parity blocks of
// equal length. Any k of the k+m blocks are enough to rebuild the rest. Knows
// nothing about files or objects, so it can be tested on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace silt {

class ReedSolomon {
 public:
  // 1 <= k, 0 <= m, k + m <= 255 (a Cauchy matrix over GF(2^8)).
  ReedSolomon(int k, int m);

  int data_shards() const { return k_; }
  int parity_shards() const { return m_; }
  int total_shards() const { return k_ + m_; }

  // Computes parity[0..m) from data[0..k); every block is len bytes.
  void encode(const uint8_t* const* data, uint8_t* const* parity, size_t len) const;

  // shards has k+m blocks of len bytes each; present[i] says whether shard i holds
  // good bytes. Rewrites every missing block (only the data blocks when
  // data_only), leaving good ones untouched. False when fewer than k are present.
  bool reconstruct(uint8_t* const* shards, const std::vector<bool>& present, size_t len, bool data_only = false) const;

 private:
  int k_;
  int m_;
  // (k+m) x k encoding matrix: identity on top, Cauchy rows below.
  std::vector<uint8_t> matrix_;
  // Tables for the parity rows, built once (ec_init_tables).
  std::vector<uint8_t> encode_tables_;
};

}  // namespace silt
