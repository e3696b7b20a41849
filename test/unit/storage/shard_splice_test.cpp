#include "erasure/shard_splice.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <vector>

#include "damage.h"
#include "erasure/shard_file.h"
#include "temp_dir.h"

using namespace silt;
using silt::test::flip_byte;

namespace {

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 31);
  return v;
}

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
