// The packed listings' values as the RADOS backend reads them from the cluster
// (index/listing_block.h, rados/list_pack.h): a block (K value) and listing deltas (L
// values). A damaged or hostile value must be refused, never misread or crash; what
// decodes re-encodes to the same entries; and what a compaction would write from what it
// read (the merge, delete markers dropped) decodes again, so one bad value cannot make a
// whole block unreadable.
// Input: [u8 n][n bytes: the block's name][u16 m][m bytes: the block], then deltas, each
// [u8 k][k bytes: key][u16 v][v bytes: value], until the input ends.
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "index/listing_block.h"
#include "index/listing_header.h"

using namespace silt;

namespace {

std::string_view take_bytes(std::string_view& in, size_t n) {
  std::string_view out = in.substr(0, n);
  in.remove_prefix(out.size());
  return out;
}

// Keys strictly ascending, each entry a listing entry that a listing can print.
void check_entries(const std::vector<BlockEntry>& entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && !(entries[i - 1].key < entries[i].key)) std::abort();
    ObjectInfo info;
    if (!decode_listing_fields(entries[i].entry, info)) std::abort();
    if (encoded_is_delete_marker(entries[i].entry) != info.delete_marker) std::abort();
  }
}

// Each entry's header, as the decoder or the merge read it once, says what
// decode_listing_fields reads from its bytes (a page prints the former).
void check_headers(const std::vector<BlockEntry>& entries) {
  for (const auto& e : entries) {
    ObjectInfo info;
    if (!decode_listing_fields(e.entry, info)) std::abort();
    const ListingHeader& h = e.header;
    if (h.etag != info.etag || h.size != info.size || h.mtime_ms != info.mtime_ms ||
        h.storage_class != info.meta.storage_class || h.delete_marker != info.delete_marker)
      std::abort();
  }
}

bool same(const std::vector<BlockEntry>& a, const std::vector<BlockEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].key != b[i].key || a[i].entry != b[i].entry) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  const std::string_view name = take_bytes(in, fuzz::take<uint8_t>(in));
  const std::string_view value = take_bytes(in, fuzz::take<uint16_t>(in));
  // As omap returns them: one value per key, keys ascending. An S3 key is never empty (and
  // merges start after "", the empty prefix's position).
  std::map<std::string, std::string> delta_map;
  while (!in.empty()) {
    std::string key(take_bytes(in, fuzz::take<uint8_t>(in)));
    std::string v(take_bytes(in, fuzz::take<uint16_t>(in)));
    if (!key.empty()) delta_map[std::move(key)] = std::move(v);
  }

  std::vector<BlockEntry> block;
  if (decode_listing_block(value, name, block)) {
    if (block.empty() || block.size() > kMaxBlockEntries || block.back().key != name) std::abort();
    check_entries(block);
    check_headers(block);
    const std::string again = encode_listing_block(block);
    // Decoding accepts longer varints than encoding writes, never shorter.
    if (again.size() > value.size()) std::abort();
    std::vector<BlockEntry> back;
    if (!decode_listing_block(again, name, back) || !same(block, back)) std::abort();
    if (encode_listing_block(back) != again) std::abort();
  } else {
    block.clear();
  }

  std::vector<BlockEntry> deltas;
  for (const auto& [key, v] : delta_map) {
    deltas.push_back({key, v});
    if (check_listing_delta(v) && !is_listing_tombstone(v)) check_entries({{key, v}});
  }

  // A listing page over (after, end] and a compaction over everything.
  std::vector<BlockEntry> page;
  const std::string_view after = deltas.empty() ? std::string_view() : deltas.front().key;
  const std::optional<std::string> end = block.empty() ? std::nullopt : std::optional<std::string>(block.front().key);
  if (auto used = merge_listing(block, deltas, after, end, page)) {
    if (*used > deltas.size()) std::abort();
    check_entries(page);
    check_headers(page);
    for (const auto& e : page)
      if (!(e.key > after) || (end && e.key > *end)) std::abort();
  }
  std::vector<BlockEntry> merged;
  auto used = merge_listing(block, deltas, "", std::nullopt, merged);
  if (!used) return 0;
  if (*used != deltas.size()) std::abort();
  check_entries(merged);
  check_headers(merged);
  std::erase_if(merged, [](const BlockEntry& e) { return encoded_is_delete_marker(e.entry); });
  if (merged.empty() || merged.size() > kMaxBlockEntries) return 0;
  const std::string folded = encode_listing_block(merged);
  std::vector<BlockEntry> back;
  if (!decode_listing_block(folded, merged.back().key, back) || !same(merged, back)) std::abort();
  return 0;
}
