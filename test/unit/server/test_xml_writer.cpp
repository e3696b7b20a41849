// server/s3/xml_writer.h must write what the pugixml helpers (util/xml.h) write.
#include <catch2/catch.hpp>
#include <string>

#include "server/s3/xml_writer.h"
#include "util/xml.h"

using namespace silt;
using namespace silt::server;

namespace {

std::string with_pugixml(const std::string& text) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "ListBucketResult");
  add_text(root, "Name", "b");
  add_text(root, "Prefix", "");
  auto c = root.append_child("Contents");
  add_text(c, "Key", text);
  auto o = c.append_child("Owner");
  add_text(o, "ID", text);
  return to_string(doc);
}

std::string with_writer(const std::string& text) {
  XmlWriter x("ListBucketResult");
  x.element("Name", "b");
  x.element("Prefix", "");
  x.open("Contents");
  x.element("Key", text);
  x.open("Owner");
  x.element("ID", text);
  x.close("Owner");
  x.close("Contents");
  return x.finish();
}

}  // namespace

TEST_CASE("XmlWriter writes byte for byte what pugixml writes", "[xml]") {
  CHECK(with_writer("plain") == with_pugixml("plain"));
  CHECK(with_writer("a&b<c>d\"e'f]]>") == with_pugixml("a&b<c>d\"e'f]]>"));
  CHECK(with_writer("tab\tnl\ncr\r") == with_pugixml("tab\tnl\ncr\r"));
  CHECK(with_writer("\xc3\xa9\xe2\x82\xac \xff\xfe invalid utf-8") ==
        with_pugixml("\xc3\xa9\xe2\x82\xac \xff\xfe invalid utf-8"));
  CHECK(with_writer("") == with_pugixml(""));
  // A NUL ends the text for pugixml (a C string): the same here.
  CHECK(with_writer(std::string("ab\0cd", 5)) == with_pugixml(std::string("ab\0cd", 5)));
  // Every byte value, alone and between others.
  for (int c = 1; c < 256; ++c) {
    CAPTURE(c);
    const std::string s(1, static_cast<char>(c));
    CHECK(with_writer(s) == with_pugixml(s));
    CHECK(with_writer("x" + s + "y" + s) == with_pugixml("x" + s + "y" + s));
  }
}

TEST_CASE("append_xml_text escapes markup and control characters", "[xml]") {
  std::string out;
  append_xml_text(out, "a&<>\x01\x1f\t");
  CHECK(out == "a&amp;&lt;&gt;&#01;&#31;\t");
}
