#include <catch2/catch.hpp>

#include "server/handlers/range.h"

using silt::server::parse_range;

namespace {
std::pair<uint64_t, uint64_t> range_of(std::string_view h, uint64_t size) {
  auto r = parse_range(h, size);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return {(*r)->offset, (*r)->length};
}
}  // namespace

TEST_CASE("closed, open and suffix ranges", "[range]") {
  CHECK(range_of("bytes=0-9", 100) == std::pair<uint64_t, uint64_t>{0, 10});
  CHECK(range_of("bytes=10-", 100) == std::pair<uint64_t, uint64_t>{10, 90});
  CHECK(range_of("bytes=-10", 100) == std::pair<uint64_t, uint64_t>{90, 10});
  CHECK(range_of("bytes=99-99", 100) == std::pair<uint64_t, uint64_t>{99, 1});
}

TEST_CASE("an end past the object is clamped, a suffix longer than it is the whole", "[range]") {
  CHECK(range_of("bytes=50-1000", 100) == std::pair<uint64_t, uint64_t>{50, 50});
  CHECK(range_of("bytes=-1000", 100) == std::pair<uint64_t, uint64_t>{0, 100});
}

TEST_CASE("a start at or past the end is InvalidRange", "[range]") {
  auto r = parse_range("bytes=100-", 100);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == s3::Code::InvalidRange);
  CHECK_FALSE(parse_range("bytes=-0", 100).ok());
  CHECK_FALSE(parse_range("bytes=0-0", 0).ok());
}

TEST_CASE("malformed and multi-range headers are ignored, as S3 does", "[range]") {
  for (auto h : {"", "bytes=", "bytes=a-b", "items=0-1", "bytes=5-2", "bytes=0-1,3-4", "bytes=1"}) {
    auto r = parse_range(h, 100);
    REQUIRE(r.ok());
    CHECK_FALSE(r->has_value());
  }
}
