#include "server/handlers/range.h"

#include <charconv>

namespace silt::server {

namespace {
std::optional<uint64_t> number(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

s3::Result<std::optional<ByteRange>> parse_range(std::string_view h, uint64_t size) {
  using Out = std::optional<ByteRange>;
  if (h.rfind("bytes=", 0) != 0) return Out{};
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return Out{};
  size_t dash = h.find('-');
  if (dash == std::string_view::npos) return Out{};
  auto first = h.substr(0, dash), last = h.substr(dash + 1);
  auto invalid = [] { return s3::Error(s3::Code::InvalidRange, "The requested range is not satisfiable"); };
  if (first.empty()) {  // suffix: the last n bytes
    auto n = number(last);
    if (!n) return Out{};
    if (*n == 0 || size == 0) return invalid();
    uint64_t len = std::min(*n, size);
    return Out{ByteRange{size - len, len}};
  }
  auto a = number(first);
  if (!a) return Out{};
  std::optional<uint64_t> b;
  if (!last.empty()) {
    b = number(last);
    if (!b || *b < *a) return Out{};
  }
  if (*a >= size) return invalid();
  uint64_t end = b ? std::min(*b, size - 1) : size - 1;
  return Out{ByteRange{*a, end - *a + 1}};
}

}  // namespace silt::server
