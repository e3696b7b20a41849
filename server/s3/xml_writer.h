// Writes an S3 XML document straight into a string, for responses as large as
// a listing page, where building a pugixml DOM first costs more than the
// listing itself. The output is byte for byte what new_s3_document + add_text +
// to_string (util/xml.h) give for the same elements: same declaration, same
// escaping (&amp; &lt; &gt;, control characters as &#NN;, text cut at a NUL).
#pragma once

#include <string>
#include <string_view>

namespace silt::server {

// Appends text escaped as pugixml escapes element text.
void append_xml_text(std::string& out, std::string_view text);

class XmlWriter {
 public:
  // The XML declaration and <root xmlns="S3 namespace">; reserve: the bytes expected after
  // it, so a page is written into one buffer.
  explicit XmlWriter(const char* root, size_t reserve = 0);
  // Inline: a listing page calls these a few thousand times.
  void open(std::string_view name) {
    out_.push_back('<');
    out_.append(name);
    out_.push_back('>');
  }
  void close(std::string_view name) {
    out_.append("</", 2);
    out_.append(name);
    out_.push_back('>');
  }
  // <name>text</name>
  void element(std::string_view name, std::string_view text) {
    open(name);
    append_xml_text(out_, text);
    close(name);
  }
  // <name>"text"</name>: an ETag, quoted without a copy of it first.
  void element_quoted(std::string_view name, std::string_view text) {
    open(name);
    out_.push_back('"');
    append_xml_text(out_, text);
    out_.push_back('"');
    close(name);
  }
  // The same for text silt formatted itself that holds nothing to escape (digits, dates):
  // copied as it is. Never for stored or requested bytes.
  void element_formatted(std::string_view name, std::string_view text) {
    open(name);
    out_.append(text);
    close(name);
  }
  // Closes the root and hands over the document.
  std::string finish();

 private:
  std::string out_;
  std::string root_;
};

}  // namespace silt::server
