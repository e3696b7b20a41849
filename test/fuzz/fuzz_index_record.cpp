// The object record as the index stores it (index/binary_record.h behind the listing
// header, or the JSON of older values and meta.json): a damaged or hostile value must be
// refused, never misread or crash. Whatever decodes must survive re-encoding unchanged.
#include <cstdlib>

#include "fuzz_input.h"
#include "index/binary_record.h"
#include "index/listing_header.h"

using namespace silt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  // The bare binary record: decode, encode, decode again gives the same bytes.
  ObjectRecord raw;
  if (decode_binary_record(in, raw)) {
    std::string once;
    encode_binary_record(raw, once);
    ObjectRecord again;
    if (!decode_binary_record(once, again)) std::abort();
    std::string twice;
    encode_binary_record(again, twice);
    if (once != twice) std::abort();
  }
  // A whole index value, any form: what decodes (layout judged) re-encodes and decodes again.
  auto rec = decode_object_record(in);
  if (!rec) return 0;
  const std::string value = encode_index_record(*rec);
  auto back = decode_object_record(value);
  if (!back) std::abort();
  if (encode_index_record(*back) != value) std::abort();
  ObjectInfo info;
  if (!decode_listing_fields(value, info)) std::abort();
  return 0;
}
