// Packed listing blocks: several keys' listing entries (index/listing_header.h, tag 0x03)
// in one value, so a ListObjects page on RADOS reads ~1000/B omap entries instead of 1000
// (the OSDs' cost is per entry: docs/performance.md, "Listing pages: packed blocks").
// docs/format.md, "Listing blocks", gives the bytes. This file knows nothing of RADOS: it
// encodes, decodes and merges; rados/ decides where blocks and deltas live.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "index/listing_header.h"

namespace silt {

// First byte of a listing block.
inline constexpr char kListingBlockTag = '\x04';
// A delta saying "this key has no latest version any more" (its O entry was removed).
inline constexpr char kListingTombstoneTag = '\x05';
// A block holds 1..kMaxBlockEntries entries (a decoder refuses more: bounded work per value).
inline constexpr size_t kMaxBlockEntries = 4096;

// One key's entry in a block: views into the block's bytes (or the caller's strings).
struct BlockEntry {
  std::string_view key;
  std::string_view entry;  // a listing entry: kListingEntryTag, then the header
  // entry's header (views into entry) as decode_listing_block or merge_listing read it
  // when they checked the entry, so a page parses each entry once; left default in
  // entries the caller builds.
  ListingHeader header{};
};

// The block of entries, which must be non-empty, at most kMaxBlockEntries, keys strictly
// ascending, each entry a listing entry; the block's name is then the last key.
std::string encode_listing_block(const std::vector<BlockEntry>& entries);

// Decodes a block named by last_key into out (views into value, valid while value is).
// Refuses, with the reason, a value that is not exactly such a block: wrong tag, a count
// of 0 or above the limit, a length past the end, bytes after the last entry, keys not
// strictly ascending, a last key other than last_key, or an entry that is not a listing
// entry. A corrupt block is reported, never skipped: skipping would drop keys from pages.
s3::Status decode_listing_block(std::string_view value, std::string_view last_key, std::vector<BlockEntry>& out);

// Is a delta value a tombstone (the key left the listing)? Otherwise it is a listing entry.
inline bool is_listing_tombstone(std::string_view delta) {
  return delta.size() == 1 && delta.front() == kListingTombstoneTag;
}
inline std::string listing_tombstone() {
  return std::string(1, kListingTombstoneTag);
}

// Refuses, with the reason, a delta value that is neither a tombstone nor a listing entry.
// A compaction folds deltas into blocks as they are, so a damaged delta passed on would
// make the whole block it lands in unreadable (every key of it gone from the pages).
s3::Status check_listing_delta(std::string_view delta);

// Merges the entries of blocks and the deltas (key and value of each; both with keys
// strictly ascending) into out, appending: the keys in (after, end] (end nullopt: no
// bound), a key's delta replacing its block entry, tombstones dropped, views into the
// inputs; a delta's header is filled as it is checked, a block entry's copied. Returns
// the number of deltas in that range; an error when one of them is refused by
// check_listing_delta (out then holds an unspecified part of the merge).
s3::Result<size_t> merge_listing(const std::vector<BlockEntry>& blocks, const std::vector<BlockEntry>& deltas,
                                 std::string_view after, const std::optional<std::string>& end,
                                 std::vector<BlockEntry>& out);

}  // namespace silt
