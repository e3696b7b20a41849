// Whole-string number parsing for values from requests, files and the command line.
// std::sto* throw on junk and overflow and accept leading spaces, signs and trailing
// garbage; a request must never be able to throw, so every number silt reads goes
// through here (std::from_chars: no exceptions, no locale, no allocation).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace silt {

// The unsigned integer s spells in base (10 or 16), all of s: nullopt when s is empty,
// holds anything but digits of that base (no sign, no spaces, no "0x"), or is above
// UINT64_MAX.
inline std::optional<uint64_t> parse_u64(std::string_view s, int base = 10) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace silt
