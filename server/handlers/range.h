// HTTP Range for GetObject: "bytes=a-b", "bytes=a-", "bytes=-n" (clients.md X-RNG-01).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/error.h"

namespace silt::server {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// nullopt: no usable Range header, serve the whole object (S3 ignores malformed and
// multi-range headers). InvalidRange when the range starts past the end.
s3::Result<std::optional<ByteRange>> parse_range(std::string_view header, uint64_t size);

}  // namespace silt::server
