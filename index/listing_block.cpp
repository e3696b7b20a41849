#include "index/listing_block.h"

#include "index/listing_header.h"
#include "index/varint.h"

namespace silt {

std::string encode_listing_block(const std::vector<BlockEntry>& entries) {
  size_t bytes = 1 + 10;
  for (const auto& e : entries) bytes += e.key.size() + e.entry.size() + 4;
  std::string out;
  out.reserve(bytes);
  out.push_back(kListingBlockTag);
  varint::put(out, entries.size());
  for (const auto& e : entries) {
    varint::put_bytes(out, e.key);
    varint::put_bytes(out, e.entry);
  }
  return out;
}

s3::Status decode_listing_block(std::string_view value, std::string_view last_key, std::vector<BlockEntry>& out) {
  auto corrupt = [&](const char* why) {
    return s3::Error(s3::Code::InternalError, std::string("corrupt listing block: ") + why);
  };
  out.clear();
  if (value.empty() || value.front() != kListingBlockTag) return corrupt("wrong tag");
  std::string_view in = value.substr(1);
  uint64_t n = 0;
  if (!varint::get(in, n) || n == 0 || n > kMaxBlockEntries) return corrupt("bad entry count");
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    BlockEntry e;
    if (!varint::get_bytes(in, e.key) || !varint::get_bytes(in, e.entry)) return corrupt("cut short");
    if (!out.empty() && !(out.back().key < e.key)) return corrupt("keys out of order");
    ListingHeader h;
    std::string_view record;
    if (e.entry.empty() || e.entry.front() != kListingEntryTag || !split_index_value(e.entry, &h, &record))
      return corrupt("an entry is not a listing entry");
    out.push_back(e);
  }
  if (!in.empty()) return corrupt("bytes after the last entry");
  if (out.back().key != last_key) return corrupt("last key is not the block's name");
  return {};
}

}  // namespace silt
