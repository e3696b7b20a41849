#include "erasure/shard_file.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <vector>

#include "damage.h"
#include "temp_dir.h"

using namespace silt;
using silt::test::flip_byte;

namespace {

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 31);
  return v;
}

}  // namespace

TEST_CASE("shard file round trip, CRC catches a flipped byte", "[shard]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/part.1";
  ShardHeader h{2, 4, 2, 4096};  // full block = 1024 bytes
  REQUIRE(h.full_block_len() == 1024);
  auto w = ShardFileWriter::create(path, h);
  REQUIRE(w.ok());
  auto b0 = pattern(1024, 1), b1 = pattern(1024, 2), b2 = pattern(100, 3);
  REQUIRE(w->append(b0.data(), b0.size()).ok());
  REQUIRE(w->append(b1.data(), b1.size()).ok());
  REQUIRE(w->append(b2.data(), b2.size()).ok());
  REQUIRE(w->finish().ok());
  CHECK(std::filesystem::file_size(path) == 32 + 2 * (1024 + 4) + 100 + 4);

  auto r = ShardFileReader::open(path, h);
  REQUIRE(r.ok());
  std::vector<uint8_t> out(1024);
  REQUIRE(r->read_block(1, 1024, out.data()).ok());
  CHECK(out == b1);
  std::vector<uint8_t> last(100);
  REQUIRE(r->read_block(2, 100, last.data()).ok());
  CHECK(last == b2);

  SECTION("a flipped data byte fails only its own block") {
    flip_byte(path, h.block_offset(1) + 517);
    auto r2 = ShardFileReader::open(path, h);
    REQUIRE(r2.ok());
    auto bad = r2->read_block(1, 1024, out.data());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("CRC") != std::string::npos);
    CHECK(r2->read_block(0, 1024, out.data()).ok());
    CHECK(r2->read_block(2, 100, last.data()).ok());
  }
  SECTION("a flipped CRC byte is caught too") {
    flip_byte(path, h.block_offset(0) + 1024 + 2);
    auto r2 = ShardFileReader::open(path, h);
    REQUIRE(r2.ok());
    CHECK_FALSE(r2->read_block(0, 1024, out.data()).ok());
  }
  SECTION("a damaged header makes the whole file unusable") {
    flip_byte(path, 13);
    CHECK_FALSE(ShardFileReader::open(path, h).ok());
  }
  SECTION("a header for another shard index or layout is refused") {
    ShardHeader other = h;
    other.shard_index = 3;
    CHECK_FALSE(ShardFileReader::open(path, other).ok());
    other = h;
    other.block_size = 8192;
    CHECK_FALSE(ShardFileReader::open(path, other).ok());
  }
  SECTION("a truncated file reports a short read") {
    std::filesystem::resize_file(path, h.block_offset(2) + 50);
    auto r2 = ShardFileReader::open(path, h);
    REQUIRE(r2.ok());
    CHECK(r2->read_block(1, 1024, out.data()).ok());
    CHECK_FALSE(r2->read_block(2, 100, last.data()).ok());
  }
}

TEST_CASE("shard header encoding is 32 bytes and round-trips", "[shard]") {
  ShardHeader h{5, 6, 3, 1 << 20};
  std::string enc = encode_shard_header(h);
  REQUIRE(enc.size() == ShardHeader::kSize);
  CHECK(enc.substr(0, 8) == "SILTSHRD");
  ShardHeader back;
  REQUIRE(decode_shard_header(reinterpret_cast<const uint8_t*>(enc.data()), back));
  CHECK(back == h);
}

TEST_CASE("creating a shard file that exists fails", "[shard]") {
  test::TempDir dir;
  ShardHeader h{0, 2, 1, 64};
  REQUIRE(ShardFileWriter::create(dir.path() + "/x", h).ok());
  CHECK_FALSE(ShardFileWriter::create(dir.path() + "/x", h).ok());
}
