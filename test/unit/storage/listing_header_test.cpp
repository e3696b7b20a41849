// The listing header in front of index values (index/listing_header.h), and
// indexes written before it (plain JSON values) read side by side with new ones.
#include "index/listing_header.h"

#include <leveldb/db.h>

#include <catch2/catch.hpp>

#include "index/binary_record.h"
#include "index/index.h"
#include "index/keys.h"
#include "temp_dir.h"

using namespace silt;

namespace {

ObjectRecord sample(const std::string& key, uint64_t size) {
  ObjectRecord r;
  r.info.bucket = "b";
  r.info.key = key;
  r.info.size = size;
  r.info.etag = "0123456789abcdef0123456789abcdef";
  r.info.mtime_ms = 1795000000123;
  r.info.meta.storage_class = "STANDARD_IA";
  r.info.meta.content_type = "text/plain";
  r.info.meta.user = {{"color", "blue"}};
  r.layout = {4, 2, 4096, "00000000000000000000000000000001", {0, 1, 2, 3, 4, 5}, "", "", 0};
  r.parts.push_back({1, size, r.info.etag, r.layout.data_id, {}, {}, 99});
  r.version_key = keys::make_version_key(1795000000123000, true);
  return r;
}

}  // namespace

TEST_CASE("the listing header holds what a listing prints, and the binary record follows it", "[listing-header]") {
  ObjectRecord r = sample("dir/a&b<c>", (1ull << 40) + 5);
  const std::string v = encode_index_record(r);
  REQUIRE(v.front() == kBinaryRecordTag);

  ListingHeader h;
  std::string_view json;
  REQUIRE(split_index_value(v, &h, &json));
  CHECK(h.binary);
  std::string binary;
  encode_binary_record(r, binary);
  CHECK(json == binary);  // exactly the binary record, after its length
  CHECK_FALSE(h.delete_marker);
  CHECK_FALSE(h.no_data);
  CHECK(h.size == (1ull << 40) + 5);
  CHECK(h.mtime_ms == 1795000000123);
  CHECK(h.etag == r.info.etag);
  CHECK(h.storage_class == "STANDARD_IA");
  CHECK(h.version_id == "null");
  CHECK_FALSE(encoded_is_delete_marker(v));

  // The full decoder reads the value as it reads meta.json.
  auto full = decode_object_record(v);
  REQUIRE(full.ok());
  CHECK(full->info.key == "dir/a&b<c>");
  CHECK(full->info.meta.user == r.info.meta.user);
  CHECK(full->info.stored_bytes == 99);

  ObjectInfo info;
  REQUIRE(decode_listing_fields(v, info).ok());
  CHECK(info.size == r.info.size);
  CHECK(info.etag == r.info.etag);
  CHECK(info.mtime_ms == r.info.mtime_ms);
  CHECK(info.meta.storage_class == "STANDARD_IA");
  CHECK(info.version_id == "null");
}

TEST_CASE("delete markers and negative times survive the header", "[listing-header]") {
  ObjectRecord m;
  m.info.bucket = "b";
  m.info.key = "gone";
  m.info.delete_marker = true;
  m.info.mtime_ms = -1;
  m.info.version_id = std::string(32, 'a');
  m.info.meta.storage_class = "";
  const std::string v = encode_index_record(m);
  CHECK(encoded_is_delete_marker(v));
  ListingHeader h;
  std::string_view json;
  REQUIRE(split_index_value(v, &h, &json));
  CHECK(h.delete_marker);
  CHECK(h.no_data);  // an old-style marker: no data dir of its own
  CHECK(h.mtime_ms == -1);
  CHECK(h.version_id == std::string(32, 'a'));
  CHECK(h.storage_class.empty());
  auto full = decode_object_record(v);
  REQUIRE(full.ok());
  CHECK(full->info.delete_marker);
}

TEST_CASE("values without a header and cut-short headers", "[listing-header]") {
  ObjectRecord r = sample("k", 7);
  const std::string old = encode_object_record(r);  // what silt wrote before the header
  ListingHeader h;
  std::string_view json;
  CHECK_FALSE(split_index_value(old, &h, &json));
  CHECK(json == old);
  ObjectInfo info;
  REQUIRE(decode_listing_fields(old, info).ok());  // decoded the slow way
  CHECK(info.size == 7);
  CHECK(info.meta.storage_class == "STANDARD_IA");
  CHECK(info.meta.content_type == "text/plain");

  ObjectRecord m = r;
  m.info.delete_marker = true;
  CHECK(encoded_is_delete_marker(encode_object_record(m)));
  CHECK_FALSE(encoded_is_delete_marker(old));

  // Cut anywhere, header or binary record: the length prefix catches a cut at a field boundary too.
  const std::string v = encode_index_record(r);
  for (size_t cut = 1; cut < v.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(split_index_value(std::string_view(v).substr(0, cut), &h, &json));
    CHECK(json.empty());
    CHECK_FALSE(decode_object_record(std::string_view(v).substr(0, cut)).ok());
    ObjectInfo i2;
    CHECK_FALSE(decode_listing_fields(std::string_view(v).substr(0, cut), i2).ok());
  }
  // A varint longer than 64 bits is corrupt, not silently wrapped.
  std::string bad = std::string(1, kListingHeaderTag) + '\0' + std::string(10, '\xff') + '\x01' + old;
  CHECK_FALSE(split_index_value(bad, &h, &json));
}

TEST_CASE("a listing entry is the value's header alone, from every value format", "[listing-header]") {
  ObjectRecord r = sample("dir/a&b<c>", (1ull << 40) + 5);
  const std::string v = encode_index_record(r);
  const std::string e = encode_listing_entry(v);
  REQUIRE(e.front() == kListingEntryTag);
  // Exactly the header's bytes after the tag, without the record and its length.
  std::string binary;
  encode_binary_record(r, binary);
  CHECK(e.substr(1) == v.substr(1, e.size() - 1));
  CHECK(v.size() == e.size() + 2 + binary.size());  // + the record's length (2 bytes here)

  ListingHeader h;
  std::string_view record = "x";
  REQUIRE(split_index_value(e, &h, &record));
  CHECK(record.empty());
  CHECK_FALSE(h.binary);
  CHECK(h.size == (1ull << 40) + 5);
  CHECK(h.mtime_ms == 1795000000123);
  CHECK(h.etag == r.info.etag);
  CHECK(h.storage_class == "STANDARD_IA");
  CHECK(h.version_id == "null");
  CHECK_FALSE(encoded_is_delete_marker(e));
  ObjectInfo from_entry, from_value;
  REQUIRE(decode_listing_fields(e, from_entry).ok());
  REQUIRE(decode_listing_fields(v, from_value).ok());
  CHECK(from_entry.size == from_value.size);
  CHECK(from_entry.etag == from_value.etag);
  CHECK(from_entry.mtime_ms == from_value.mtime_ms);
  CHECK(from_entry.meta.storage_class == from_value.meta.storage_class);
  CHECK(from_entry.version_id == from_value.version_id);
  // It is no record: reading it as one reports it corrupt.
  CHECK_FALSE(decode_object_record(e).ok());

  // Values written before the binary record (header + JSON) and before the header (JSON)
  // give the same entry.
  std::string header_json(1, kListingHeaderTag);
  header_json += v.substr(1, e.size() - 1);
  header_json += encode_object_record(r);
  CHECK(encode_listing_entry(header_json) == e);
  CHECK(encode_listing_entry(encode_object_record(r)) == e);
  // An entry of an entry is itself.
  CHECK(encode_listing_entry(e) == e);

  // Delete markers keep their flag.
  ObjectRecord m;
  m.info.key = "gone";
  m.info.delete_marker = true;
  m.info.mtime_ms = -1;
  m.info.version_id = std::string(32, 'a');
  const std::string me = encode_listing_entry(encode_index_record(m));
  CHECK(encoded_is_delete_marker(me));
  REQUIRE(split_index_value(me, &h, &record));
  CHECK(h.delete_marker);
  CHECK(h.mtime_ms == -1);
  CHECK(h.version_id == std::string(32, 'a'));
}

TEST_CASE("listing entries cut short or too long are corrupt; undecodable values pass through", "[listing-header]") {
  const std::string e = encode_listing_entry(encode_index_record(sample("k", 7)));
  ListingHeader h;
  std::string_view record;
  for (size_t cut = 1; cut < e.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(split_index_value(std::string_view(e).substr(0, cut), &h, &record));
    ObjectInfo info;
    CHECK_FALSE(decode_listing_fields(std::string_view(e).substr(0, cut), info).ok());
  }
  CHECK_FALSE(split_index_value(e + "x", &h, &record));
  // A value that is neither a header nor a record stays as it is, so a listing reading
  // the entry reports it corrupt as it would the value.
  const std::string junk = "{not json";
  CHECK(encode_listing_entry(junk) == junk);
  ObjectInfo info;
  CHECK_FALSE(decode_listing_fields(encode_listing_entry(junk), info).ok());
}

TEST_CASE("an index written before the header lists and upgrades record by record", "[listing-header]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/index";
  {
    auto idx = Index::open(path);
    REQUIRE(idx.ok());
    REQUIRE((*idx)->create_bucket("b", 1).ok());
  }
  {
    // Plain JSON values, as the previous format stored them.
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    for (const char* k : {"a/1", "a/2", "b", "c"}) {
      ObjectRecord r = sample(k, 11);
      const std::string json = encode_object_record(r);
      REQUIRE(db->Put(leveldb::WriteOptions(), keys::object("b", k), json).ok());
      REQUIRE(db->Put(leveldb::WriteOptions(), keys::version("b", k, r.version_key), json).ok());
    }
    ObjectRecord m = sample("d", 0);
    m.info.delete_marker = true;
    REQUIRE(db->Put(leveldb::WriteOptions(), keys::object("b", "d"), encode_object_record(m)).ok());
  }
  auto idx = Index::open(path);
  REQUIRE(idx.ok());
  Index& index = **idx;
  // A new write next to the old ones: header + binary record.
  ObjectRecord fresh = sample("e", 22);
  fresh.version_key.clear();
  REQUIRE(index.put_object(fresh).ok());

  ListParams p;
  p.delimiter = "/";
  auto l = index.list_objects("b", p);
  REQUIRE(l.ok());
  REQUIRE(l->objects.size() == 3);  // b, c, e; d is a delete marker
  CHECK(l->prefixes == std::vector<std::string>{"a/"});
  CHECK(l->objects[0].key == "b");
  CHECK(l->objects[0].size == 11);
  CHECK(l->objects[0].storage_class == "STANDARD_IA");
  CHECK(l->objects[2].key == "e");
  CHECK(l->objects[2].size == 22);
  CHECK(l->objects[2].etag == fresh.info.etag);
  CHECK(l->objects[2].mtime_ms == fresh.info.mtime_ms);

  for (bool fields_only : {false, true}) {
    VersionListParams vp;
    vp.listing_fields_only = fields_only;
    auto v = index.list_versions("b", vp);
    REQUIRE(v.ok());
    REQUIRE(v->versions.size() == 5);
    for (const auto& x : v->versions) {
      CHECK(x.version_id == "null");
      CHECK(x.is_latest);
    }
    CHECK(v->versions[4].key == "e");
    CHECK(v->versions[4].size == 22);
  }
  auto got = index.get_object("b", "a/1");
  REQUIRE(got.ok());
  CHECK(got->info.meta.user == std::vector<std::pair<std::string, std::string>>{{"color", "blue"}});
  // A record that names no data dir is skipped by the sweep; the others still count.
  ObjectRecord empty = sample("f", 0);
  empty.version_key.clear();
  empty.layout.data_id.clear();
  empty.layout.distribution.clear();
  empty.parts.clear();
  REQUIRE(index.put_object(empty).ok());
  auto ids = index.referenced_data_ids();
  REQUIRE(ids.ok());
  CHECK(ids->size() == 1);
  CHECK(ids->count("00000000000000000000000000000001") == 1);
}
