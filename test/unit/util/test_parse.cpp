// util/parse.h: numbers from requests, files and the command line, never an exception.
#include <catch2/catch.hpp>
#include <string>

#include "util/parse.h"

using silt::parse_u64;

TEST_CASE("parse_u64 reads a whole string of digits", "[parse]") {
  CHECK(parse_u64("0") == 0u);
  CHECK(parse_u64("42") == 42u);
  CHECK(parse_u64("000123") == 123u);
  CHECK(parse_u64("18446744073709551615") == UINT64_MAX);
  CHECK(parse_u64("ffffffffffffffff", 16) == UINT64_MAX);
  CHECK(parse_u64("00000000000000ff", 16) == 255u);
  CHECK(parse_u64("FF", 16) == 255u);
}

TEST_CASE("parse_u64 refuses what std::stoull would take, or throw on", "[parse]") {
  // stoull threw std::invalid_argument on these (the empty end of "bytes=0-") ...
  CHECK_FALSE(parse_u64(""));
  CHECK_FALSE(parse_u64("abc"));
  // ... std::out_of_range on this ...
  CHECK_FALSE(parse_u64("18446744073709551616"));
  CHECK_FALSE(parse_u64("99999999999999999999999"));
  // ... and silently took a prefix, a sign or leading spaces of these.
  CHECK_FALSE(parse_u64("12abc"));
  CHECK_FALSE(parse_u64(" 12"));
  CHECK_FALSE(parse_u64("12 "));
  CHECK_FALSE(parse_u64("+12"));
  CHECK_FALSE(parse_u64("-1"));
  CHECK_FALSE(parse_u64("0x10", 16));
  CHECK_FALSE(parse_u64("1.5"));
  CHECK_FALSE(
      parse_u64(std::string("1\0"
                            "2",
                            3)));
}
