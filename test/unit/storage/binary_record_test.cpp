// The binary object record (index/binary_record.h): every field survives the index
// value, the older forms (plain JSON, header + JSON) still decode, fields of a newer
// silt are skipped, and malformed bytes are refused rather than misread.
#include "index/binary_record.h"

#include <catch2/catch.hpp>
#include <limits>

#include "index/keys.h"
#include "index/listing_header.h"
#include "index/varint.h"

using namespace silt;

namespace {

// A record with every field set to something other than its default.
ObjectRecord full_record() {
  ObjectRecord r;
  r.info.bucket = "bucket-1";
  r.info.key = "dir/a&b<c>\"d\\e";
  r.info.version_id = std::string(32, 'f');
  r.info.size = (1ull << 40) + 7;
  r.info.etag = "0123456789abcdef0123456789abcdef-2";
  r.info.mtime_ms = 1795000000123;
  ObjectMeta& m = r.info.meta;
  m.content_type = "text/plain";
  m.content_encoding = "gzip";
  m.content_disposition = "attachment; filename=\"x\"";
  m.content_language = "fr";
  m.cache_control = "no-cache";
  m.expires = "Thu, 01 Dec 2030 16:00:00 GMT";
  m.user = {{"color", "blue"}, {"color", "red"}, {"empty", ""}};
  m.checksums = {{"CRC32C", "yZRlqg=="}, {"SHA256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}};
  m.checksum_type = "COMPOSITE";
  m.storage_class = "STANDARD_IA";
  m.tags = {{"k1", "v1"}, {"k2", ""}};
  m.acl = "public-read";
  m.writer = "alice";
  m.lock = {"COMPLIANCE", 1900000000000, true, true};
  m.sse = {"aws:kms", "key-1", "c2VhbGVk", R"({"aws:s3:arn":"arn:aws:s3:::b/k"})", true};
  r.layout.k = 4;
  r.layout.m = 2;
  r.layout.block_size = 1 << 20;
  r.layout.pool = "cold";
  r.layout.compression = "zstd";
  r.layout.stored = 12345;
  r.parts.push_back(
      {1, 5 << 20, "aaaa", "11111111111111111111111111111111", {5, 4, 3, 2, 1, 0}, {{"CRC32", "AAAAAA=="}}, 99});
  r.parts.push_back(
      {2, (1ull << 40) + 7 - (5 << 20), "bbbb", "22222222222222222222222222222222", {0, 1, 2, 3, 4, 5}, {}, 0});
  r.version_key = keys::make_version_key(1795000000123000, false);
  r.upload_id = "upload-xyz";
  return r;
}

// A single PUT in segment files (no parts distribution of its own).
ObjectRecord segment_record() {
  ObjectRecord r;
  r.info.bucket = "b";
  r.info.key = "small";
  r.info.size = 4096;
  r.info.etag = "0123456789abcdef0123456789abcdef";
  r.info.mtime_ms = 1;
  r.layout = {4, 2, 1 << 20, "00000000000000000000000000000001", {2, 3, 4, 5, 0, 1}, "", "", 0};
  for (uint64_t i = 0; i < 6; ++i) r.layout.segments.push_back({i + 1, (1ull << 33) + i, 1056});
  r.parts.push_back({1, 4096, r.info.etag, r.layout.data_id, {}, {}, 6336});
  return r;
}

void check_same(const ObjectRecord& a, const ObjectRecord& b) {
  // The JSON document names every field; the binary form of both must agree too.
  CHECK(encode_object_record(a) == encode_object_record(b));
  std::string ba, bb;
  encode_binary_record(a, ba);
  encode_binary_record(b, bb);
  CHECK(ba == bb);
  CHECK(a.info.meta.lock == b.info.meta.lock);
  CHECK(a.layout.segments == b.layout.segments);
  CHECK(a.info.stored_bytes == b.info.stored_bytes);
  CHECK(a.info.upload_id == b.info.upload_id);
}

// The index value a silt before the binary record wrote: header, then JSON.
std::string header_json_value(const ObjectRecord& r) {
  std::string v(1, kListingHeaderTag);
  v.push_back(r.info.delete_marker ? 1 : 0);
  varint::put(v, r.info.size);
  varint::put(v, static_cast<uint64_t>(r.info.mtime_ms));
  varint::put_bytes(v, r.info.etag);
  varint::put_bytes(v, r.info.meta.storage_class);
  varint::put_bytes(v, r.info.version_id);
  return v + encode_object_record(r);
}

}  // namespace

TEST_CASE("every field of a record survives the binary index value", "[binary-record]") {
  for (const ObjectRecord& r : {full_record(), segment_record()}) {
    const std::string v = encode_index_record(r);
    REQUIRE(v.front() == kBinaryRecordTag);
    auto back = decode_object_record(v);
    REQUIRE(back.ok());
    auto via_json = decode_object_record(encode_object_record(r));
    REQUIRE(via_json.ok());
    check_same(*back, *via_json);
    CHECK(back->info.key == r.info.key);
    CHECK(back->info.meta.sse.sealed_key == r.info.meta.sse.sealed_key);
    CHECK(back->info.meta.user == r.info.meta.user);
    CHECK(back->parts.size() == r.parts.size());
    // Smaller than the JSON it replaces.
    CHECK(v.size() < encode_object_record(r).size());
  }
  auto back = decode_object_record(encode_index_record(full_record()));
  REQUIRE(back.ok());
  CHECK(back->info.parts.size() == 2);  // derived for multipart objects, as from JSON
  CHECK(back->info.stored_bytes == 99);
  CHECK(back->parts[0].distribution == std::vector<int>{5, 4, 3, 2, 1, 0});
  CHECK(back->info.meta.writer == "alice");
  CHECK(decode_object_record(encode_object_record(full_record()))->info.meta.writer == "alice");
  CHECK(back->info.meta.lock.retain_until_ms == 1900000000000);
  CHECK(back->info.meta.sse.sealed_key == "c2VhbGVk");
  CHECK(back->info.meta.sse.context == R"({"aws:s3:arn":"arn:aws:s3:::b/k"})");
  CHECK(back->info.meta.sse.bucket_key);
  auto json_back = decode_object_record(encode_object_record(full_record()));
  REQUIRE(json_back.ok());
  CHECK(json_back->info.meta.sse.context == back->info.meta.sse.context);
  CHECK(json_back->info.meta.sse.bucket_key);
}

TEST_CASE("delete markers, negative times and non-UTF-8 keys in binary", "[binary-record]") {
  ObjectRecord m;
  m.info.bucket = "b";
  m.info.key = "\xff\xfe not utf-8";
  m.info.delete_marker = true;
  m.info.mtime_ms = -5;
  m.info.meta.storage_class = "";
  const std::string v = encode_index_record(m);
  CHECK(encoded_is_delete_marker(v));
  auto back = decode_object_record(v);
  REQUIRE(back.ok());
  CHECK(back->info.delete_marker);
  CHECK(back->info.mtime_ms == -5);
  CHECK(back->info.key == m.info.key);  // exact bytes (the JSON copy replaces them)
  CHECK(back->info.meta.storage_class.empty());
  CHECK(back->info.version_id == "null");
}

TEST_CASE("records written before the binary form still decode", "[binary-record]") {
  for (const ObjectRecord& r : {full_record(), segment_record()}) {
    auto from_binary = decode_object_record(encode_index_record(r));
    auto from_json = decode_object_record(encode_object_record(r));  // plain JSON value, meta.json
    auto from_header_json = decode_object_record(header_json_value(r));
    REQUIRE(from_binary.ok());
    REQUIRE(from_json.ok());
    REQUIRE(from_header_json.ok());
    check_same(*from_binary, *from_json);
    check_same(*from_binary, *from_header_json);
    ListingHeader h;
    std::string_view rest;
    REQUIRE(split_index_value(header_json_value(r), &h, &rest));
    CHECK_FALSE(h.binary);
  }
}

TEST_CASE("fields of a newer silt are skipped", "[binary-record]") {
  const ObjectRecord r = segment_record();
  std::string b;
  encode_binary_record(r, b);
  // Top level: an unknown varint field (tag 40) and an unknown bytes field (tag 41) at the end.
  std::string newer = b;
  varint::put(newer, 40u << 1);
  varint::put(newer, 123456789);
  varint::put(newer, (41u << 1) | 1);
  varint::put_bytes(newer, "future");
  ObjectRecord back;
  REQUIRE(decode_binary_record(newer, back));
  check_same(back, r);
}

TEST_CASE("malformed binary records are refused", "[binary-record]") {
  ObjectRecord out;
  auto field = [](uint32_t tag, int kind) {
    std::string s;
    varint::put(s, (uint64_t{tag} << 1) | static_cast<uint64_t>(kind));
    return s;
  };
  std::string s;
  // bucket (tag 1) as a varint: the wrong kind.
  s = field(1, 0) + '\x05';
  CHECK_FALSE(decode_binary_record(s, out));
  // a string whose length runs past the end
  s = field(1, 1) + '\x09' + "abc";
  CHECK_FALSE(decode_binary_record(s, out));
  // delete_marker (tag 8) = 2 is not a bool
  s = field(8, 0) + '\x02';
  CHECK_FALSE(decode_binary_record(s, out));
  // layout.k (tag 11 / 1) out of int's range
  std::string layout = field(1, 0);
  varint::put(layout, 1ull << 40);
  s = field(11, 1);
  varint::put_bytes(s, layout);
  CHECK_FALSE(decode_binary_record(s, out));
  // a varint of more than 64 bits
  s = field(4, 0) + std::string(10, '\xff') + '\x01';
  CHECK_FALSE(decode_binary_record(s, out));
  // an unknown field that is itself cut short
  s = field(40, 1) + '\x05' + "ab";
  CHECK_FALSE(decode_binary_record(s, out));
  // Every cut of a real record's index value is refused (the length prefix catches field boundaries).
  const std::string v = encode_index_record(full_record());
  for (size_t cut = 1; cut < v.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(decode_object_record(std::string_view(v).substr(0, cut)).ok());
  }
  // A JSON record with a fraction where an integer belongs (converting 4e96 to an integer is
  // undefined behaviour; fuzz_index_record found it).
  std::string json = encode_object_record(segment_record());
  const size_t at = json.find("\"size\":4096");
  REQUIRE(at != std::string::npos);
  CHECK(decode_object_record(json).ok());
  CHECK_FALSE(decode_object_record(json.replace(at, 11, "\"size\":4E096")).ok());
  // A "v" that is not a number: refused, not thrown (fuzz_index_record found it).
  CHECK_FALSE(decode_object_record(R"({"v":"b","size":1})").ok());
  // k + m past int's range: refused, not overflowed.
  ObjectRecord huge = segment_record();
  huge.layout.k = std::numeric_limits<int>::max();
  CHECK_FALSE(decode_object_record(encode_index_record(huge)).ok());
  // A well-formed record with a layout no reader could follow is still refused by decode_object_record.
  ObjectRecord bad = segment_record();
  bad.layout.segments.pop_back();
  CHECK_FALSE(decode_object_record(encode_index_record(bad)).ok());
}
