// Byte ranges: the HTTP Range of GetObject ("bytes=a-b", "bytes=a-", "bytes=-n";
// clients.md X-RNG-01) and the stricter x-amz-copy-source-range of UploadPartCopy.
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

// x-amz-copy-source-range against a source of size bytes. Only "bytes=first-last" with
// first <= last is a copy range: anything else (an open "bytes=N-", a suffix
// "bytes=-N", several ranges, a number past UINT64_MAX) and a first byte at or past the
// end are InvalidArgument; a last byte past the end is InvalidRange with the
// source's ActualObjectSize.
s3::Result<ByteRange> parse_copy_range(std::string_view header, uint64_t size);

}  // namespace silt::server
