// The listing header: a few bytes in front of the object record in the index's
// O and V values (docs/format.md, "Listing header"), holding exactly what a
// listing prints, so a listing page reads them without decoding the record.
// Values written now carry the binary record (index/binary_record.h) after it;
// values of older versions carry JSON after it, or are plain JSON (no header).
// meta.json on the drives stays plain JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/list_entry.h"
#include "index/object_record.h"

namespace silt {

// First byte of a value with a header and a JSON record (written before the binary
// record). A JSON document starts with '{'.
inline constexpr char kListingHeaderTag = '\x01';
// First byte of a value with a header and a binary record (what encode_index_record writes).
inline constexpr char kBinaryRecordTag = '\x02';
// First byte of a listing entry: the header alone, no record (what the RADOS backend's
// listing deltas and blocks hold, rados/list_pack.h, so pages read no records).
inline constexpr char kListingEntryTag = '\x03';

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
  // The record after the header is binary (kBinaryRecordTag), not JSON.
  bool binary = false;
};

// The index value of r: kBinaryRecordTag, the header, the length of the binary
// record, the binary record.
std::string encode_index_record(const ObjectRecord& r);

// kListingEntryTag and the header of index_value (as encode_index_record wrote it, or
// built from an older value's JSON record): what a listing prints of it, a fraction of
// its bytes. A value neither decodes is returned as it is, so reading it as a listing
// entry reports it corrupt exactly as reading the value would.
std::string encode_listing_entry(std::string_view index_value);

// Splits an index value. With a header: fills h and record (the record after it,
// binary or JSON as h->binary says; empty for a listing entry) and returns true.
// Without (older values, meta.json text): record = value, false. A value that starts
// with a tag but is cut short (or, binary or a listing entry, does not end where its
// last length says) also returns false, with record empty, so the JSON decoder reports
// it corrupt.
bool split_index_value(std::string_view value, ListingHeader* h, std::string_view* record);

// Copies what a listing prints of an entry (key and bucket excepted) from its header into info.
void fill_listing_fields(const ListingHeader& h, ObjectInfo& info);

// Fills what a listing prints (key and bucket excepted) into info from an index value
// or a listing entry: from the header when there is one, else by decoding the whole
// record.
s3::Status decode_listing_fields(std::string_view value, ObjectInfo& info);

// Appends key's entry to page with what a listing prints of an index value or a listing
// entry, read as decode_listing_fields reads it.
s3::Status add_listed(ListResult& page, std::string_view key, std::string_view value);

}  // namespace silt
