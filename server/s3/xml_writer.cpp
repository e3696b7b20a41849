#include "server/s3/xml_writer.h"

#include <array>

#include "util/xml.h"

namespace silt::server {

namespace {

// The bytes pugixml does not copy as they are into element text: & < >, the control
// characters but tab, LF and CR, and NUL, where it stops (it takes a C string).
constexpr std::array<bool, 256> kNotPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 32; ++c) t[c] = c != '\t' && c != '\n' && c != '\r';
  t['&'] = t['<'] = t['>'] = true;
  return t;
}();

}  // namespace

void append_xml_text(std::string& out, std::string_view text) {
  const char* p = text.data();
  const char* const end = p + text.size();
  for (;;) {
    // Runs of plain bytes (almost every key and etag is one run) go in one append.
    const char* run = p;
    while (p != end && !kNotPlain[static_cast<unsigned char>(*p)]) ++p;
    out.append(run, static_cast<size_t>(p - run));
    if (p == end || *p == '\0') return;
    const auto c = static_cast<unsigned char>(*p++);
    if (c == '&') {
      out.append("&amp;", 5);
    } else if (c == '<') {
      out.append("&lt;", 4);
    } else if (c == '>') {
      out.append("&gt;", 4);
    } else {
      const char num[5] = {'&', '#', static_cast<char>('0' + c / 10), static_cast<char>('0' + c % 10), ';'};
      out.append(num, sizeof num);
    }
  }
}

XmlWriter::XmlWriter(const char* root, size_t reserve) : root_(root) {
  out_.reserve(reserve + 256);
  out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?><";
  out_ += root_;
  out_ += " xmlns=\"";
  out_ += kS3Namespace;
  out_ += "\">";
}

std::string XmlWriter::finish() {
  close(root_);
  return std::move(out_);
}

}  // namespace silt::server
