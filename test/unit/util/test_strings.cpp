// util/strings.h and util/random_id.h: the one copy of the helpers the parsers share. The
// character set a parser trims is part of its grammar, so each set is pinned here.
#include <catch2/catch.hpp>
#include <set>

#include "util/random_id.h"
#include "util/strings.h"
#include "util/utf8.h"

using namespace silt;

TEST_CASE("trim strips exactly the named characters") {
  CHECK(trim(" \t\n\v\f\rab c\r\n") == "ab c");  // kAsciiSpace: C's isspace()
  CHECK(trim("\v a \v", kOws) == "\v a \v");     // HTTP's OWS is only space and tab
  CHECK(trim(" \ta\t ", kOws) == "a");
  CHECK(trim("\n a \f", kXmlSpace) == "a \f");  // XML's S has no form feed
  CHECK(trim("   ").empty());
  CHECK(trim("").empty());
}

TEST_CASE("split keeps empty pieces; join puts the separator between") {
  CHECK(split("a,,b", ',') == std::vector<std::string_view>{"a", "", "b"});
  CHECK(split("", ',') == std::vector<std::string_view>{""});
  CHECK(split("a,", ',') == std::vector<std::string_view>{"a", ""});
  CHECK(join({"GET", "PUT"}, ", ") == "GET, PUT");
  CHECK(join({"x"}, ";") == "x");
  CHECK(join({}, ";").empty());
}

TEST_CASE("digits and hex") {
  CHECK(all_digits("0123456789"));
  CHECK_FALSE(all_digits(""));
  CHECK_FALSE(all_digits("+1"));
  CHECK_FALSE(all_digits("1 "));
  CHECK(hex_digit_value('0') == 0);
  CHECK(hex_digit_value('f') == 15);
  CHECK(hex_digit_value('F') == 15);
  CHECK(hex_digit_value('g') == -1);
  CHECK(is_hex("09afAF"));
  CHECK_FALSE(is_hex(""));
  CHECK_FALSE(is_hex("0x1"));
  CHECK(iequals("Content-MD5", "content-md5"));
  CHECK_FALSE(iequals("a", "ab"));
}

TEST_CASE("utf8_length counts characters") {
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length("\xc3\xa9t\xc3\xa9") == 3);  // "été"
  CHECK(utf8_length("\xf0\x9f\x98\x80") == 1);
}

TEST_CASE("random_hex gives n lowercase hex characters, different each time") {
  for (size_t n : {0, 1, 7, 8, 9, 16, 32, 33}) {
    std::string id = random_hex(n);
    CHECK(id.size() == n);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(random_hex_id().size() == 32);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(random_hex(16));
  CHECK(seen.size() == 100);
}
