// The Range header of GetObject and UploadPartCopy's x-amz-copy-source-range. Input: 8
// bytes of object size, then the header value. Whatever range comes out must lie inside
// the object and be non-empty; the copy range fails only with its two S3 errors.
#include <cstdlib>

#include "fuzz_input.h"
#include "server/s3/handlers/range.h"

using namespace silt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  uint64_t object_size = fuzz::take<uint64_t>(in);
  // Mostly small sizes, as real objects are; the full 64-bit range still occurs.
  if (object_size >> 63) object_size &= 0xffff;
  if (auto copy = server::parse_copy_range(in, object_size); copy) {
    if (copy->length == 0 || copy->offset >= object_size || copy->length > object_size - copy->offset) std::abort();
  } else if (copy.error().code != s3::Code::InvalidArgument && copy.error().code != s3::Code::InvalidRange) {
    std::abort();
  }
  auto r = server::parse_range(in, object_size);
  if (!r) {
    if (r.error().code != s3::Code::InvalidRange) std::abort();
    return 0;
  }
  if (!*r) return 0;
  const auto& range = **r;
  if (range.length == 0 || range.offset >= object_size) std::abort();
  if (range.length > object_size - range.offset) std::abort();
  return 0;
}
