// Packed listing blocks (index/listing_block.h): what goes in comes out, and every way a
// stored block can be damaged is reported, never read as fewer keys.
#include "index/listing_block.h"

#include <catch2/catch.hpp>

#include "index/binary_record.h"
#include "index/listing_header.h"
#include "index/varint.h"

using namespace silt;

namespace {

std::string entry_for(const std::string& key, uint64_t size, bool delete_marker = false) {
  ObjectRecord r;
  r.info.bucket = "b";
  r.info.key = key;
  r.info.size = size;
  r.info.etag = "0123456789abcdef0123456789abcdef";
  r.info.mtime_ms = 1795000000123 + static_cast<int64_t>(size);
  r.info.delete_marker = delete_marker;
  r.layout = {4, 2, 4096, "00000000000000000000000000000001", {0, 1, 2, 3, 4, 5}, "", "", 0};
  return encode_listing_entry(encode_index_record(r));
}

struct Fixture {
  std::vector<std::string> keys, entries;
  std::vector<BlockEntry> view() const {
    std::vector<BlockEntry> v;
    for (size_t i = 0; i < keys.size(); ++i) v.push_back({keys[i], entries[i]});
    return v;
  }
};

Fixture sample(size_t n) {
  Fixture f;
  for (size_t i = 0; i < n; ++i) {
    f.keys.push_back("dir/obj-" + std::to_string(1000 + i) + (i % 3 == 0 ? "&<>\"" : ""));
    f.entries.push_back(entry_for(f.keys.back(), i * 4096, i % 7 == 5));
  }
  return f;
}

}  // namespace

TEST_CASE("a listing block gives back its keys and entries in order", "[listing-block]") {
  for (size_t n : {size_t{1}, size_t{2}, size_t{64}, kMaxBlockEntries}) {
    Fixture f = sample(n);
    const std::string v = encode_listing_block(f.view());
    REQUIRE(v.front() == kListingBlockTag);
    std::vector<BlockEntry> out;
    auto s = decode_listing_block(v, f.keys.back(), out);
    REQUIRE(s.ok());
    REQUIRE(out.size() == n);
    for (size_t i = 0; i < n; ++i) {
      CHECK(out[i].key == f.keys[i]);
      CHECK(out[i].entry == f.entries[i]);
      ObjectInfo info;
      REQUIRE(decode_listing_fields(out[i].entry, info).ok());
      CHECK(info.size == i * 4096);
      CHECK(encoded_is_delete_marker(out[i].entry) == (i % 7 == 5));
    }
  }
}

TEST_CASE("a damaged listing block is reported, not read as fewer keys", "[listing-block]") {
  Fixture f = sample(5);
  const std::string good = encode_listing_block(f.view());
  const std::string last = f.keys.back();
  std::vector<BlockEntry> out;
  auto refused = [&](const std::string& v, const std::string& name, const char* why) {
    auto s = decode_listing_block(v, name, out);
    INFO(why);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == s3::Code::InternalError);
    CHECK(s.error().message.find("corrupt listing block") != std::string::npos);
  };
  REQUIRE(decode_listing_block(good, last, out).ok());
  // Every cut, at every byte: a block ends exactly where its last entry does.
  for (size_t cut = 0; cut < good.size(); ++cut) refused(good.substr(0, cut), last, "cut short");
  refused(good + "x", last, "a byte after the last entry");
  refused(std::string(1, kBinaryRecordTag) + good.substr(1), last, "wrong tag");
  refused(good, f.keys[3], "named by another key than its last");
  {
    std::string zero(1, kListingBlockTag);
    varint::put(zero, 0);
    refused(zero, "", "no entries");
    std::string many(1, kListingBlockTag);
    varint::put(many, kMaxBlockEntries + 1);
    refused(many, last, "more entries than a block may hold");
  }
  {
    Fixture g = f;
    std::swap(g.keys[1], g.keys[2]);
    refused(encode_listing_block(g.view()), g.keys.back(), "keys out of order");
    g = f;
    g.keys[2] = g.keys[1];
    refused(encode_listing_block(g.view()), g.keys.back(), "a key twice");
  }
  {
    Fixture g = f;
    ObjectRecord r;
    r.info.key = g.keys[2];
    g.entries[2] = encode_index_record(r);  // a whole index value is not a listing entry
    refused(encode_listing_block(g.view()), last, "an index value instead of an entry");
    g.entries[2] = f.entries[2].substr(0, f.entries[2].size() - 1);
    refused(encode_listing_block(g.view()), last, "an entry cut short");
    g.entries[2] = listing_tombstone();
    refused(encode_listing_block(g.view()), last, "a tombstone inside a block");
  }
}

TEST_CASE("a delta is a tombstone or a listing entry", "[listing-block]") {
  CHECK(is_listing_tombstone(listing_tombstone()));
  CHECK_FALSE(is_listing_tombstone(entry_for("k", 1)));
  CHECK_FALSE(is_listing_tombstone(""));
}

TEST_CASE("merging deltas into block entries: a delta replaces, a tombstone removes", "[listing-block]") {
  Fixture f = sample(4);  // keys dir/obj-1000 .. dir/obj-1003
  const std::string changed = entry_for(f.keys[1], 7), added = entry_for("dir/obj-1001x", 9);
  const std::string gone = listing_tombstone();
  const std::vector<BlockEntry> deltas = {{f.keys[1], changed}, {"dir/obj-1001x", added}, {f.keys[2], gone}};
  std::vector<BlockEntry> out;
  auto used = merge_listing(f.view(), deltas, "", std::nullopt, out);
  REQUIRE(used.ok());
  CHECK(*used == 3);
  REQUIRE(out.size() == 4);
  CHECK(out[0].key == f.keys[0]);
  CHECK((out[1].key == f.keys[1] && out[1].entry == changed));
  CHECK((out[2].key == "dir/obj-1001x" && out[2].entry == added));
  CHECK(out[3].key == f.keys[3]);
  // Only the keys in (after, end]; the deltas past it are not counted.
  out.clear();
  used = merge_listing(f.view(), deltas, f.keys[0], std::optional<std::string>(f.keys[1]), out);
  REQUIRE(used.ok());
  CHECK(*used == 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0].entry == changed);
}

TEST_CASE("without deltas the merge is the blocks' run in (after, end]", "[listing-block]") {
  // A compacted shard has no deltas: the run is found by search, and must be what the
  // entry-by-entry merge gives for bounds on, between, before and past the keys.
  Fixture f = sample(200);
  const auto blocks = f.view();
  std::vector<std::string> bounds = {"",          "a",  "dir/obj-1000", "dir/obj-1000&", f.keys[1], "dir/obj-1050~",
                                     f.keys[199], "zzz"};
  for (const auto& after : bounds) {
    for (const auto& end_key : bounds) {
      for (bool bounded : {false, true}) {
        CAPTURE(after, end_key, bounded);
        const std::optional<std::string> end = bounded ? std::optional<std::string>(end_key) : std::nullopt;
        std::vector<std::string> want;
        for (const auto& k : f.keys)
          if (k > after && (!end || k <= *end)) want.push_back(k);
        std::vector<BlockEntry> out = {{"kept", "kept"}};  // the merge appends
        auto used = merge_listing(blocks, {}, after, end, out);
        REQUIRE(used.ok());
        CHECK(*used == 0);
        REQUIRE(out.size() == want.size() + 1);
        CHECK(out[0].key == "kept");
        for (size_t i = 0; i < want.size(); ++i) CHECK(out[i + 1].key == want[i]);
      }
    }
  }
}

TEST_CASE("a corrupt delta is refused, never merged (a block would then hold it)", "[listing-block]") {
  Fixture f = sample(3);
  ObjectRecord r;
  r.info.key = f.keys[1];
  for (const std::string& bad :
       {std::string(), std::string("\x03garbage"), encode_index_record(r), std::string(R"({"key":"k"})"),
        entry_for(f.keys[1], 1).substr(0, 5), listing_tombstone() + "x"}) {
    INFO(bad);
    CHECK_FALSE(check_listing_delta(bad).ok());
    std::vector<BlockEntry> out;
    auto used = merge_listing(f.view(), {{f.keys[1], bad}}, "", std::nullopt, out);
    REQUIRE_FALSE(used.ok());
    CHECK(used.error().code == s3::Code::InternalError);
    CHECK(used.error().message.find("corrupt listing delta") != std::string::npos);
    // Outside the merged range it is not read.
    out.clear();
    CHECK(merge_listing(f.view(), {{f.keys[1], bad}}, f.keys[1], std::nullopt, out).ok());
  }
  CHECK(check_listing_delta(listing_tombstone()).ok());
  CHECK(check_listing_delta(entry_for("k", 1)).ok());
}

TEST_CASE("decoding and merging read each entry's header once, for the page to print", "[listing-block]") {
  // A page prints the header decode_listing_block or merge_listing read while checking an
  // entry (BlockEntry::header) instead of parsing the entry again: it must say what the
  // entry's bytes say.
  auto same_fields = [](const BlockEntry& e) {
    ObjectInfo info;
    REQUIRE(decode_listing_fields(e.entry, info).ok());
    CHECK(e.header.etag == info.etag);
    CHECK(e.header.size == info.size);
    CHECK(e.header.mtime_ms == info.mtime_ms);
    CHECK(e.header.storage_class == info.meta.storage_class);
    CHECK(e.header.delete_marker == info.delete_marker);
    // Views into the entry itself, not into a copy that may go away.
    CHECK(e.header.etag.data() >= e.entry.data());
    CHECK(e.header.etag.data() + e.header.etag.size() <= e.entry.data() + e.entry.size());
  };
  Fixture f = sample(8);
  const std::string v = encode_listing_block(f.view());
  std::vector<BlockEntry> block;
  REQUIRE(decode_listing_block(v, f.keys.back(), block).ok());
  for (const auto& e : block) same_fields(e);
  // Deltas come without a header (as omap returns them); the merge fills it.
  const std::string changed = entry_for(f.keys[3], 12345);
  const std::vector<BlockEntry> deltas = {{f.keys[3], changed}};
  std::vector<BlockEntry> out;
  REQUIRE(merge_listing(block, deltas, "", std::nullopt, out).ok());
  REQUIRE(out.size() == block.size());
  for (const auto& e : out) same_fields(e);
  CHECK(out[3].header.size == 12345);
}
