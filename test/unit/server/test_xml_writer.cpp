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

TEST_CASE("XmlWriter: runs of plain bytes between escapes, and a quoted ETag, as pugixml writes them", "[xml]") {
  // append_xml_text copies plain runs in one append: specials at a run's start, end, and
  // side by side, long runs, and a NUL after a special must all come out as pugixml's.
  const std::string run(300, 'k');
  for (const std::string& s : {"&" + run, run + "<", run + "&<>" + run, std::string("\x01\x02") + run + "\x1f",
                               run + ">" + std::string(1, '\0') + run, std::string("&\0", 2) + run,
                               std::string("dir/obj-00000001"), std::string("\"quoted\"' ]]>")}) {
    CAPTURE(s);
    CHECK(with_writer(s) == with_pugixml(s));
  }
  // ETag: silt's hex digest in quotes; element_quoted writes what add_text does for the
  // quoted string, without building it first.
  for (const std::string etag : {"0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef-12", ""}) {
    pugi::xml_document doc;
    auto root = new_s3_document(doc, "ListBucketResult");
    add_text(root, "ETag", "\"" + etag + "\"");
    XmlWriter x("ListBucketResult");
    x.element_quoted("ETag", etag);
    CHECK(x.finish() == to_string(doc));
  }
}
