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
  // The XML declaration and <root xmlns="S3 namespace">.
  explicit XmlWriter(const char* root, size_t reserve = 0);
  void open(std::string_view name);
  void close(std::string_view name);
  // <name>text</name>
  void element(std::string_view name, std::string_view text);
  // The same for text silt formatted itself that holds nothing to escape (digits, dates):
  // copied as it is. Never for stored or requested bytes.
  void element_formatted(std::string_view name, std::string_view text);
  // Closes the root and hands over the document.
  std::string finish();

 private:
  std::string out_;
  std::string root_;
};

}  // namespace silt::server
