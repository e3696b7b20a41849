#include "index/listing_block.h"

#include <algorithm>

#include "index/listing_header.h"
#include "index/varint.h"

namespace silt {

namespace {

// Is entry a listing entry (kListingEntryTag and a whole header)? Fills *h when it is.
bool read_listing_entry(std::string_view entry, ListingHeader* h) {
  std::string_view record;
  return !entry.empty() && entry.front() == kListingEntryTag && split_index_value(entry, h, &record);
}

s3::Error corrupt_delta(std::string_view detail) {
  return s3::Error(s3::Code::InternalError,
                   std::string("corrupt listing delta: neither a listing entry nor a tombstone").append(detail));
}

}  // namespace

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
    if (!read_listing_entry(e.entry, &e.header)) return corrupt("an entry is not a listing entry");
    out.push_back(e);
  }
  if (!in.empty()) return corrupt("bytes after the last entry");
  if (out.back().key != last_key) return corrupt("last key is not the block's name");
  return {};
}

s3::Status check_listing_delta(std::string_view delta) {
  ListingHeader h;
  if (is_listing_tombstone(delta) || read_listing_entry(delta, &h)) return {};
  return corrupt_delta("");
}

s3::Result<size_t> merge_listing(const std::vector<BlockEntry>& blocks, const std::vector<BlockEntry>& deltas,
                                 std::string_view after, const std::optional<std::string>& end,
                                 std::vector<BlockEntry>& out) {
  if (deltas.empty()) {
    // A compacted shard's window: the range is one run of the blocks' entries, found by
    // search instead of two key compares an entry.
    auto key_less = [](std::string_view k, const BlockEntry& e) { return k < e.key; };
    auto first = std::upper_bound(blocks.begin(), blocks.end(), after, key_less);
    auto last = end ? std::upper_bound(first, blocks.end(), std::string_view(*end), key_less) : blocks.end();
    out.insert(out.end(), first, last);
    return 0;
  }
  auto in_range = [&](std::string_view key) { return key > after && (!end || key <= *end); };
  size_t used = 0;
  auto b = blocks.begin();
  auto d = deltas.begin();
  while (b != blocks.end() || d != deltas.end()) {
    if (d != deltas.end() && (b == blocks.end() || d->key <= b->key)) {
      if (b != blocks.end() && d->key == b->key) ++b;
      if (in_range(d->key)) {
        ++used;
        if (!is_listing_tombstone(d->entry)) {
          BlockEntry e = *d;
          if (!read_listing_entry(e.entry, &e.header)) return corrupt_delta(" (key " + std::string(d->key) + ")");
          out.push_back(e);
        }
      }
      ++d;
    } else {
      if (in_range(b->key)) out.push_back(*b);
      ++b;
    }
  }
  return used;
}

}  // namespace silt
