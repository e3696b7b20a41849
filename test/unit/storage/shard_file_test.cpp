#include "erasure/shard_file.h"

#include <fcntl.h>
#include <unistd.h>

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

// A non-blocking pipe, as a session has one (server/http/zero_copy.h).
struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    ::close(r);
    ::close(w);
  }
  std::vector<uint8_t> take() {
    std::vector<uint8_t> out;
    uint8_t buf[4096];
    for (ssize_t n; (n = ::read(r, buf, sizeof buf)) > 0;) out.insert(out.end(), buf, buf + n);
    return out;
  }
};

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

TEST_CASE("verified shard blocks go into a pipe; a damaged one is refused", "[shard][splice]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/part.1";
  ShardHeader h{0, 4, 2, 4 * 8192};  // full block = 8192 bytes: two pages, not page-aligned in the file
  auto w = ShardFileWriter::create(path, h);
  REQUIRE(w.ok());
  auto b0 = pattern(8192, 1), b1 = pattern(8192, 2), b2 = pattern(100, 3);
  REQUIRE(w->append(b0.data(), b0.size()).ok());
  REQUIRE(w->append(b1.data(), b1.size()).ok());
  REQUIRE(w->append(b2.data(), b2.size()).ok());
  REQUIRE(w->finish().ok());
  auto r = ShardFileReader::open(path, h);
  REQUIRE(r.ok());
  Pipe p;

  auto whole = r->splice_block(1, 8192, 0, 8192, p.w);
  REQUIRE(whole.ok());
  CHECK(*whole == 8192);
  CHECK(p.take() == b1);
  auto part = r->splice_block(0, 8192, 5000, 8000, p.w);
  REQUIRE(part.ok());
  CHECK(*part == 3000);
  CHECK(p.take() == std::vector<uint8_t>(b0.begin() + 5000, b0.begin() + 8000));
  auto last = r->splice_block(2, 100, 10, 100, p.w);
  REQUIRE(last.ok());
  CHECK(p.take() == std::vector<uint8_t>(b2.begin() + 10, b2.end()));

  SECTION("a flipped byte outside the spliced part still fails the block") {
    flip_byte(path, h.block_offset(1) + 7000);
    auto bad = r->splice_block(1, 8192, 0, 100, p.w);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("CRC") != std::string::npos);
    CHECK(p.take().size() == 100);  // what the owner of the pipe throws away
    CHECK(r->splice_block(0, 8192, 0, 8192, p.w).ok());
  }
  SECTION("a full pipe takes part of a block, then nothing") {
    REQUIRE(::fcntl(p.w, F_SETPIPE_SZ, 4096) >= 0);
    auto first = r->splice_block(1, 8192, 0, 8192, p.w);
    REQUIRE(first.ok());
    CHECK(*first > 0);
    CHECK(*first < 8192);
    auto none = r->splice_block(1, 8192, *first, 8192, p.w);
    REQUIRE(none.ok());
    CHECK(*none == 0);
    CHECK(p.take() == std::vector<uint8_t>(b1.begin(), b1.begin() + static_cast<long>(*first)));
  }
  SECTION("a block beyond the file is an error, not a fault") {
    CHECK_FALSE(r->splice_block(5, 8192, 0, 8192, p.w).ok());
  }
}
