// Small ASCII string helpers every parser shares: case folding for header names and S3
// field names, trimming by a named character set, splitting and joining, digit and hex
// checks. One copy here, so the auth, lifecycle and server parsers agree on them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace silt {

// The character sets trim() strips. Which one a parser uses is part of its grammar.
inline constexpr std::string_view kOws = " \t";                 // HTTP's optional whitespace (RFC 9110 §5.6.3)
inline constexpr std::string_view kXmlSpace = " \t\n\r";        // XML 1.0's S production
inline constexpr std::string_view kAsciiSpace = " \t\n\v\f\r";  // C's isspace() in the "C" locale

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// One of kAsciiSpace.
inline bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// s without the characters of chars at either end.
inline std::string_view trim(std::string_view s, std::string_view chars = kAsciiSpace) {
  const size_t first = s.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

// The pieces between the separators, empty ones included: "a,,b" -> {"a", "", "b"},
// "" -> {""}. The views point into s.
inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

// The parts with sep between each two: {"a", "b"}, ", " -> "a, b".
inline std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// One or more of 0-9 and nothing else (no sign, no spaces).
inline bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The value of a hex digit of either case, -1 for any other character.
inline int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One or more hex digits of either case and nothing else.
inline bool is_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (hex_digit_value(c) < 0) return false;
  return true;
}

}  // namespace silt
