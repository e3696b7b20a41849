// The grammar of an HTTP header field (RFC 9110 §5.1, §5.5), for values that come
// from a request or from storage and are about to become response headers. Beast's
// serializer writes names and values as given, so a CR LF inside one starts a new
// header (or a body) of the sender's choosing.
#pragma once

#include <string_view>

namespace silt {

// A control character as field values forbid it: 0x00-0x1F except HTAB, and DEL.
inline bool is_field_ctl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

// field-value = *field-content: visible ASCII, SP, HTAB and obs-text (bytes >= 0x80,
// e.g. UTF-8); nothing else. The empty value is valid.
inline bool is_field_value(std::string_view v) {
  for (char c : v)
    if (is_field_ctl(c)) return false;
  return true;
}

// field-name = token: one or more of the visible ASCII characters other than the
// separators "(),/:;<=>?@[\]{} and DQUOTE.
inline bool is_field_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (std::string_view("\"(),/:;<=>?@[\\]{}").find(c) != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace silt
