#include "erasure/reed_solomon.h"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

using silt::ReedSolomon;

namespace {

// Encodes random data, then for every subset of at most m lost shards wipes
// them, reconstructs and compares with the originals.
void check_all_erasures(int k, int m, size_t len) {
  ReedSolomon rs(k, m);
  const int n = k + m;
  std::mt19937 rng(static_cast<unsigned>(k * 100 + m));
  std::vector<std::vector<uint8_t>> orig(static_cast<size_t>(n), std::vector<uint8_t>(len));
  for (int i = 0; i < k; ++i)
    for (auto& b : orig[static_cast<size_t>(i)]) b = static_cast<uint8_t>(rng());
  std::vector<const uint8_t*> data;
  std::vector<uint8_t*> parity;
  for (int i = 0; i < k; ++i) data.push_back(orig[static_cast<size_t>(i)].data());
  for (int i = k; i < n; ++i) parity.push_back(orig[static_cast<size_t>(i)].data());
  rs.encode(data.data(), parity.data(), len);

  int combos = 0;
  for (uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) > m) continue;
    ++combos;
    auto work = orig;
    std::vector<bool> present(static_cast<size_t>(n), true);
    std::vector<uint8_t*> ptrs;
    for (int i = 0; i < n; ++i) {
      if (mask & (1u << i)) {
        present[static_cast<size_t>(i)] = false;
        std::fill(work[static_cast<size_t>(i)].begin(), work[static_cast<size_t>(i)].end(), 0xEE);
      }
      ptrs.push_back(work[static_cast<size_t>(i)].data());
    }
    INFO("k=" << k << " m=" << m << " lost mask=" << mask);
    REQUIRE(rs.reconstruct(ptrs.data(), present, len));
    REQUIRE(work == orig);
  }
  // sum_{j<=m} C(n, j) combinations were actually exercised
  int expect = 0;
  for (int j = 0; j <= m; ++j) {
    int c = 1;
    for (int t = 0; t < j; ++t) c = c * (n - t) / (t + 1);
    expect += c;
  }
  CHECK(combos == expect);
}

}  // namespace

TEST_CASE("RS 4+2 rebuilds every combination of up to 2 lost shards", "[rs]") {
  check_all_erasures(4, 2, 1000);
}
TEST_CASE("RS 2+1 rebuilds every single loss", "[rs]") {
  check_all_erasures(2, 1, 333);
}
TEST_CASE("RS 6+3 rebuilds every combination of up to 3 lost shards", "[rs]") {
  check_all_erasures(6, 3, 257);
}
TEST_CASE("RS 3+0 and 1+1 edge layouts", "[rs]") {
  check_all_erasures(3, 0, 64);
  check_all_erasures(1, 1, 64);
}

TEST_CASE("RS refuses to decode with more than m losses", "[rs]") {
  ReedSolomon rs(4, 2);
  std::vector<std::vector<uint8_t>> s(6, std::vector<uint8_t>(16, 1));
  std::vector<uint8_t*> p;
  for (auto& v : s) p.push_back(v.data());
  std::vector<bool> present{true, false, true, false, true, false};
  CHECK_FALSE(rs.reconstruct(p.data(), present, 16));
}

TEST_CASE("RS data_only leaves missing parity alone", "[rs]") {
  ReedSolomon rs(2, 2);
  std::vector<std::vector<uint8_t>> s(4, std::vector<uint8_t>(8));
  for (size_t i = 0; i < 8; ++i) {
    s[0][i] = static_cast<uint8_t>(i);
    s[1][i] = static_cast<uint8_t>(i * 7);
  }
  std::vector<const uint8_t*> d{s[0].data(), s[1].data()};
  std::vector<uint8_t*> par{s[2].data(), s[3].data()};
  rs.encode(d.data(), par.data(), 8);
  auto orig = s;
  std::fill(s[0].begin(), s[0].end(), 0);
  std::fill(s[3].begin(), s[3].end(), 0);
  std::vector<uint8_t*> p{s[0].data(), s[1].data(), s[2].data(), s[3].data()};
  REQUIRE(rs.reconstruct(p.data(), {false, true, true, false}, 8, true));
  CHECK(s[0] == orig[0]);
  CHECK(s[3] == std::vector<uint8_t>(8, 0));
}
