// The listing header: a few bytes in front of the object record JSON in the
// index's O and V values (docs/format.md, "Listing header"), holding exactly
// what a listing prints, so a listing page reads them without parsing JSON.
// meta.json on the drives stays plain JSON; index values written by older
// versions have no header and are decoded the old way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "index/object_record.h"

namespace silt {

// First byte of a value with a header. A JSON document starts with '{'.
inline constexpr char kListingHeaderTag = '\x01';

struct ListingHeader {
  bool delete_marker = false;
  // The record names no data dir (no layout.data_id, no part data_id): the
  // startup sweep of orphans need not decode it.
  bool no_data = false;
  uint64_t size = 0;  // as a listing prints it: an encrypted version's plaintext size
  int64_t mtime_ms = 0;
  std::string_view etag;
  std::string_view storage_class;  // as in the record's meta ("" when absent there)
  std::string_view version_id;
};

// The index value of r: header + encode_object_record(r).
std::string encode_index_record(const ObjectRecord& r);

// Splits an index value. With a header: fills h and json (the record after it)
// and returns true. Without (older values, meta.json text): json = value, false.
// A value that starts with the tag but is cut short also returns false, with
// json empty, so the JSON decoder reports it corrupt.
bool split_index_value(std::string_view value, ListingHeader* h, std::string_view* json);

// Fills what a listing prints (key and bucket excepted) into info: from the
// header when there is one, else by decoding the whole record.
s3::Status decode_listing_fields(std::string_view value, ObjectInfo& info);

}  // namespace silt
