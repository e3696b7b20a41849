// UTF-8 validation (RFC 3629): S3 object keys are UTF-8, and every listing silt
// writes declares encoding="UTF-8", so bytes that are not UTF-8 never get in. And the
// characters an XML 1.0 document can carry at all, for names that are echoed in XML.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace silt {

// True for well-formed UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF, no truncated sequences.
inline bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) {
      extra = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;  // a continuation byte first, or 0xf8..0xff
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; i++) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += extra + 1;
  }
  return true;
}

// The number of characters in UTF-8 text: the bytes that do not continue a sequence. S3's
// limits on tag keys and values and on lifecycle rule ids count characters, not bytes.
inline size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<uint8_t>(c) & 0xc0) != 0x80;
  return n;
}

// True for valid UTF-8 in which every character is one XML 1.0 allows (its Char
// production): no C0 controls but tab, LF and CR, no U+FFFE or U+FFFF. Surrogates and
// anything above U+10FFFF are not UTF-8 to begin with.
inline bool valid_xml_text(std::string_view s) {
  if (!valid_utf8(s)) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
    if (c == 0xef && i + 2 < s.size() && static_cast<uint8_t>(s[i + 1]) == 0xbf &&
        (static_cast<uint8_t>(s[i + 2]) & 0xfe) == 0xbe)
      return false;
  }
  return true;
}

// True when an XML document holds a reference to U+0000 ("&#0;", "&#x00;", ...) or a
// NUL byte. XML 1.0 forbids both, but pugixml decodes the reference into a NUL that
// ends the C string it hands out: "a&#0;b" would read as "a".
inline bool xml_has_nul(std::string_view doc) {
  if (doc.find('\0') != std::string_view::npos) return true;
  for (size_t at = doc.find("&#"); at != std::string_view::npos; at = doc.find("&#", at + 2)) {
    size_t i = at + 2;
    if (i < doc.size() && (doc[i] == 'x' || doc[i] == 'X')) ++i;
    const size_t digits = i;
    while (i < doc.size() && doc[i] == '0') ++i;
    if (i > digits && i < doc.size() && doc[i] == ';') return true;
  }
  return false;
}

}  // namespace silt
