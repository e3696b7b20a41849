// iso8601_ms writes its dates by hand (listings print a thousand a page): the same text as
// the libc formatting it replaced (gmtime_r + "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ").
#include <catch2/catch.hpp>
#include <cstdio>
#include <ctime>
#include <random>

#include "util/time.h"

namespace {

std::string libc_iso8601_ms(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

}  // namespace

TEST_CASE("iso8601_ms gives libc's text for every date a record holds", "[time]") {
  CHECK(silt::iso8601_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(silt::iso8601_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(silt::iso8601_ms(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(silt::iso8601_ms(1795000000123) == "2026-11-18T11:06:40.123Z");
  CHECK(silt::iso8601_ms(253402300799999) == "9999-12-31T23:59:59.999Z");
  const int64_t edges[] = {-62167219200000, -62167219200001, 253402300800000, 4102444800000, 1709164800000,
                           -86400000,       -86399999,       86399999,        1000,          -1000};
  for (int64_t ms : edges) {
    CAPTURE(ms);
    CHECK(silt::iso8601_ms(ms) == libc_iso8601_ms(ms));
  }
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> any(-62167219200000, 253402300799999);  // years 0 to 9999
  for (int i = 0; i < 200000; ++i) {
    const int64_t ms = any(rng);
    std::array<char, 32> buf;
    if (silt::iso8601_ms(ms, buf) != libc_iso8601_ms(ms)) {
      CAPTURE(ms);
      FAIL("differs from libc");
    }
  }
}
