// Shared by the fuzz targets: how a flat fuzz input becomes a request.
// Layout: "METHOD\nTARGET\nName: value\nName: value\n..." (CRLF or LF), so the
// seed corpora are readable HTTP heads and mutations stay close to real ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace silt::fuzz {

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits at '\n', dropping one trailing '\r' per line.
inline std::vector<std::string_view> lines(std::string_view in) {
  std::vector<std::string_view> out;
  while (!in.empty()) {
    size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  return out;
}

// "Name: value" -> (name, value); a line without ':' is a name with an empty value.
inline std::pair<std::string_view, std::string_view> header_line(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {line, {}};
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return {line.substr(0, colon), value};
}

// Pulls a little-endian integer off the front of the input (zero when it runs out).
template <typename T>
T take(std::string_view& in) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T) && !in.empty(); i++) {
    v |= static_cast<T>(static_cast<uint8_t>(in.front())) << (8 * i);
    in.remove_prefix(1);
  }
  return v;
}

}  // namespace silt::fuzz
