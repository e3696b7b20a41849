#include "index/listing_header.h"

#include "common/encrypted_size.h"

namespace silt {

namespace {

constexpr uint8_t kDeleteMarker = 1;
constexpr uint8_t kNoData = 2;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Reads from the front of in; false when it ends early or the number overflows.
bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return shift < 63 || b <= 1;
  }
  return false;
}

bool get_bytes(std::string_view& in, std::string_view& s) {
  uint64_t n = 0;
  if (!get_varint(in, n) || n > in.size()) return false;
  s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

// What a listing prints as Size: an encrypted version's plaintext size (the record keeps
// the stored one, which reads need).
uint64_t listed_size(const ObjectRecord& r) {
  if (r.info.meta.sse.empty()) return r.info.size;
  uint64_t plain = 0;
  for (const auto& p : r.parts) plain += sse_plain_size(p.size);
  return plain;
}

}  // namespace

std::string encode_index_record(const ObjectRecord& r) {
  std::string json = encode_object_record(r);
  std::string out;
  out.reserve(json.size() + 64);
  out.push_back(kListingHeaderTag);
  bool no_data = r.layout.data_id.empty();
  for (const auto& p : r.parts) no_data = no_data && p.data_id.empty();
  out.push_back(static_cast<char>((r.info.delete_marker ? kDeleteMarker : 0) | (no_data ? kNoData : 0)));
  put_varint(out, listed_size(r));
  put_varint(out, static_cast<uint64_t>(r.info.mtime_ms));
  put_bytes(out, r.info.etag);
  put_bytes(out, r.info.meta.storage_class);
  put_bytes(out, r.info.version_id);
  out += json;
  return out;
}

bool split_index_value(std::string_view value, ListingHeader* h, std::string_view* json) {
  if (value.empty() || value.front() != kListingHeaderTag) {
    *json = value;
    return false;
  }
  std::string_view in = value.substr(1);
  ListingHeader tmp;
  uint64_t mtime = 0;
  bool ok = !in.empty();
  if (ok) {
    tmp.delete_marker = static_cast<uint8_t>(in.front()) & kDeleteMarker;
    tmp.no_data = static_cast<uint8_t>(in.front()) & kNoData;
    in.remove_prefix(1);
  }
  ok = ok && get_varint(in, tmp.size) && get_varint(in, mtime) && get_bytes(in, tmp.etag) &&
       get_bytes(in, tmp.storage_class) && get_bytes(in, tmp.version_id);
  if (!ok) {
    *json = {};
    return false;
  }
  tmp.mtime_ms = static_cast<int64_t>(mtime);
  if (h) *h = tmp;
  *json = in;
  return true;
}

s3::Status decode_listing_fields(std::string_view value, ObjectInfo& info) {
  ListingHeader h;
  std::string_view json;
  if (!split_index_value(value, &h, &json)) {
    auto rec = decode_object_record(value);
    if (!rec) return rec.error();
    info = std::move(rec->info);
    return {};
  }
  info.delete_marker = h.delete_marker;
  info.size = h.size;
  info.mtime_ms = h.mtime_ms;
  info.etag.assign(h.etag);
  info.meta.storage_class.assign(h.storage_class);
  info.version_id.assign(h.version_id);
  return {};
}

}  // namespace silt
