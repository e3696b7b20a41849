// util/utf8.h: text an XML 1.0 document can carry, and the NUL pugixml would cut at.
#include <catch2/catch.hpp>
#include <string>

#include "util/utf8.h"

using silt::valid_xml_text;
using silt::xml_has_nul;

TEST_CASE("valid_xml_text: UTF-8 with XML 1.0 characters only", "[utf8]") {
  CHECK(valid_xml_text(""));
  CHECK(valid_xml_text("logs/2024 \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6"));
  CHECK(valid_xml_text("tab\tnew\nline\rreturn"));
  CHECK(valid_xml_text("\xef\xbf\xbd"));  // U+FFFD is a character
  CHECK_FALSE(valid_xml_text("\xff"));
  CHECK_FALSE(valid_xml_text("abc\xc3"));       // truncated
  CHECK_FALSE(valid_xml_text("\xc0\xaf"));      // overlong
  CHECK_FALSE(valid_xml_text("\xed\xa0\x80"));  // a surrogate
  CHECK_FALSE(valid_xml_text(std::string("a\0b", 3)));
  CHECK_FALSE(valid_xml_text("a\x01z"));
  CHECK_FALSE(valid_xml_text("a\x1fz"));
  CHECK_FALSE(valid_xml_text("\xef\xbf\xbe"));  // U+FFFE
  CHECK_FALSE(valid_xml_text("\xef\xbf\xbf"));  // U+FFFF
}

TEST_CASE("xml_has_nul: a NUL byte or any spelling of &#0;", "[utf8]") {
  CHECK_FALSE(xml_has_nul("<Key>a&#10;b&#x41;&amp;&#x;</Key>"));
  CHECK_FALSE(xml_has_nul("<Key>&#01;&#100;&#x10;</Key>"));
  CHECK(xml_has_nul("<Key>a&#0;b</Key>"));
  CHECK(xml_has_nul("<Key>a&#000;b</Key>"));
  CHECK(xml_has_nul("<Key>a&#x0;b</Key>"));
  CHECK(xml_has_nul("<Key>a&#X00;b</Key>"));
  CHECK(xml_has_nul(std::string("<Key>a\0b</Key>", 14)));
}
