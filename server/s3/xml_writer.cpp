#include "server/s3/xml_writer.h"

#include "util/xml.h"

namespace silt::server {

void append_xml_text(std::string& out, std::string_view text) {
  // add_text hands pugixml a C string: a NUL ends the text.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
  size_t plain = 0;  // start of the run of bytes copied as they are
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const char* rep = nullptr;
    char num[6];
    if (c == '&') {
      rep = "&amp;";
    } else if (c == '<') {
      rep = "&lt;";
    } else if (c == '>') {
      rep = "&gt;";
    } else if (c < 32 && c != '\t' && c != '\n' && c != '\r') {
      num[0] = '&';
      num[1] = '#';
      num[2] = static_cast<char>('0' + c / 10);
      num[3] = static_cast<char>('0' + c % 10);
      num[4] = ';';
      num[5] = '\0';
      rep = num;
    } else {
      continue;
    }
    out.append(text.substr(plain, i - plain));
    out.append(rep);
    plain = i + 1;
  }
  out.append(text.substr(plain));
}

XmlWriter::XmlWriter(const char* root, size_t reserve) : root_(root) {
  out_.reserve(reserve + 256);
  out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?><";
  out_ += root_;
  out_ += " xmlns=\"";
  out_ += kS3Namespace;
  out_ += "\">";
}

void XmlWriter::open(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
}

void XmlWriter::close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
}

void XmlWriter::element(std::string_view name, std::string_view text) {
  open(name);
  append_xml_text(out_, text);
  close(name);
}

void XmlWriter::element_formatted(std::string_view name, std::string_view text) {
  open(name);
  out_ += text;
  close(name);
}

std::string XmlWriter::finish() {
  close(root_);
  return std::move(out_);
}

}  // namespace silt::server
