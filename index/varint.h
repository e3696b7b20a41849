// LEB128 varints and length-prefixed bytes: the building blocks of the index's
// binary values (the listing header, the binary object record).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace silt::varint {

inline void put(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline void put_bytes(std::string& out, std::string_view s) {
  put(out, s.size());
  out.append(s);
}

// Reads from the front of in; false when it ends early or the number needs more than 64 bits.
inline bool get(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return shift < 63 || b <= 1;
  }
  return false;
}

// A length-prefixed run of bytes, viewed in place (no copy).
inline bool get_bytes(std::string_view& in, std::string_view& s) {
  uint64_t n = 0;
  if (!get(in, n) || n > in.size()) return false;
  s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

}  // namespace silt::varint
