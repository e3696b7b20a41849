#include "server/s3/handlers/range.h"

#include <algorithm>
#include <string>

#include "util/parse.h"

namespace silt::server {

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
    auto n = parse_u64(last);
    if (!n) return Out{};
    if (*n == 0 || size == 0) return invalid();
    uint64_t len = std::min(*n, size);
    return Out{ByteRange{size - len, len}};
  }
  auto a = parse_u64(first);
  if (!a) return Out{};
  std::optional<uint64_t> b;
  if (!last.empty()) {
    b = parse_u64(last);
    if (!b || *b < *a) return Out{};
  }
  if (*a >= size) return invalid();
  uint64_t end = b ? std::min(*b, size - 1) : size - 1;
  return Out{ByteRange{*a, end - *a + 1}};
}

s3::Result<ByteRange> parse_copy_range(std::string_view h, uint64_t size) {
  auto malformed = [] {
    return s3::Error(s3::Code::InvalidArgument,
                     "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last "
                     "are the zero-based offsets of the first and last bytes to copy");
  };
  if (h.rfind("bytes=", 0) != 0) return malformed();
  h.remove_prefix(6);
  const size_t dash = h.find('-');
  if (dash == std::string_view::npos) return malformed();
  auto first = parse_u64(h.substr(0, dash)), last = parse_u64(h.substr(dash + 1));
  if (!first || !last || *first > *last || *first >= size) return malformed();
  if (*last >= size)
    return s3::Error(s3::Code::InvalidRange, "The requested range is not satisfiable")
        .with("ActualObjectSize", std::to_string(size));
  return ByteRange{*first, *last - *first + 1};
}

}  // namespace silt::server
