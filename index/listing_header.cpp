#include "index/listing_header.h"

#include "common/encrypted_size.h"
#include "index/binary_record.h"
#include "index/varint.h"

namespace silt {

namespace {

constexpr uint8_t kDeleteMarker = 1;
constexpr uint8_t kNoData = 2;

// What a listing prints as Size: an encrypted version's plaintext size (the record keeps
// the stored one, which reads need).
uint64_t listed_size(const ObjectRecord& r) {
  if (r.info.meta.sse.empty()) return r.info.size;
  uint64_t plain = 0;
  for (const auto& p : r.parts) plain += sse_plain_size(p.size);
  return plain;
}

ListingHeader header_of(const ObjectRecord& r) {
  ListingHeader h;
  h.delete_marker = r.info.delete_marker;
  h.no_data = r.layout.data_id.empty();
  for (const auto& p : r.parts) h.no_data = h.no_data && p.data_id.empty();
  h.size = listed_size(r);
  h.mtime_ms = r.info.mtime_ms;
  h.etag = r.info.etag;
  h.storage_class = r.info.meta.storage_class;
  h.version_id = r.info.version_id;
  return h;
}

// The header's fields after the tag, in docs/format.md's order.
void put_header(std::string& out, const ListingHeader& h) {
  out.push_back(static_cast<char>((h.delete_marker ? kDeleteMarker : 0) | (h.no_data ? kNoData : 0)));
  varint::put(out, h.size);
  varint::put(out, static_cast<uint64_t>(h.mtime_ms));
  varint::put_bytes(out, h.etag);
  varint::put_bytes(out, h.storage_class);
  varint::put_bytes(out, h.version_id);
}

std::string listing_entry(const ListingHeader& h) {
  std::string out(1, kListingEntryTag);
  put_header(out, h);
  return out;
}

}  // namespace

std::string encode_index_record(const ObjectRecord& r) {
  std::string record;
  encode_binary_record(r, record);
  std::string out;
  out.reserve(record.size() + 80);
  out.push_back(kBinaryRecordTag);
  put_header(out, header_of(r));
  varint::put_bytes(out, record);
  return out;
}

std::string encode_listing_entry(std::string_view index_value) {
  ListingHeader h;
  std::string_view record;
  if (split_index_value(index_value, &h, &record)) return listing_entry(h);
  if (auto rec = decode_object_record(index_value)) return listing_entry(header_of(*rec));
  return std::string(index_value);
}

bool split_index_value(std::string_view value, ListingHeader* h, std::string_view* record) {
  if (value.empty() ||
      (value.front() != kListingHeaderTag && value.front() != kBinaryRecordTag && value.front() != kListingEntryTag)) {
    *record = value;
    return false;
  }
  std::string_view in = value.substr(1);
  ListingHeader tmp;
  tmp.binary = value.front() == kBinaryRecordTag;
  const bool entry = value.front() == kListingEntryTag;
  uint64_t mtime = 0;
  bool ok = !in.empty();
  if (ok) {
    tmp.delete_marker = static_cast<uint8_t>(in.front()) & kDeleteMarker;
    tmp.no_data = static_cast<uint8_t>(in.front()) & kNoData;
    in.remove_prefix(1);
  }
  ok = ok && varint::get(in, tmp.size) && varint::get(in, mtime) && varint::get_bytes(in, tmp.etag) &&
       varint::get_bytes(in, tmp.storage_class) && varint::get_bytes(in, tmp.version_id);
  // A binary record is length-prefixed and a listing entry ends with its header, so a
  // value cut at a field boundary is caught.
  std::string_view body = in;
  if (ok && tmp.binary) ok = varint::get_bytes(in, body) && in.empty();
  if (ok && entry) {
    ok = in.empty();
    body = {};
  }
  if (!ok) {
    *record = {};
    return false;
  }
  tmp.mtime_ms = static_cast<int64_t>(mtime);
  if (h) *h = tmp;
  *record = body;
  return true;
}

s3::Status decode_listing_fields(std::string_view value, ObjectInfo& info) {
  ListingHeader h;
  std::string_view record;
  if (!split_index_value(value, &h, &record)) {
    auto rec = decode_object_record(value);
    if (!rec) return rec.error();
    info = std::move(rec->info);
    return {};
  }
  fill_listing_fields(h, info);
  return {};
}

void fill_listing_fields(const ListingHeader& h, ObjectInfo& info) {
  info.delete_marker = h.delete_marker;
  info.size = h.size;
  info.mtime_ms = h.mtime_ms;
  info.etag.assign(h.etag);
  info.meta.storage_class.assign(h.storage_class);
  info.version_id.assign(h.version_id);
}

s3::Status add_listed(ListResult& page, std::string_view key, std::string_view value) {
  ListingHeader h;
  std::string_view record;
  if (split_index_value(value, &h, &record)) {
    page.add(key, h.etag, h.storage_class, h.size, h.mtime_ms);
    return {};
  }
  auto rec = decode_object_record(value);
  if (!rec) return rec.error();
  const ObjectInfo& info = rec->info;
  page.add(key, info.etag, info.meta.storage_class, info.size, info.mtime_ms);
  return {};
}

}  // namespace silt
