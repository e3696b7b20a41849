#include <catch2/catch.hpp>
#include <set>

#include "index/index.h"
#include "index/keys.h"
#include "temp_dir.h"

using namespace silt;

namespace {

std::vector<std::string> names(const ListResult& r) {
  std::vector<std::string> v;
  for (const auto& o : r.objects) v.emplace_back(o.key);
  return v;
}

ObjectRecord record(const std::string& bucket, const std::string& key) {
  ObjectRecord r;
  r.info.bucket = bucket;
  r.info.key = key;
  r.info.etag = "d41d8cd98f00b204e9800998ecf8427e";
  r.layout = {4, 2, 4096, "00000000000000000000000000000000", {0, 1, 2, 3, 4, 5}, "", "", 0};
  r.parts.push_back({1, 0, r.info.etag, r.layout.data_id, {}, {}});
  return r;
}

}  // namespace

TEST_CASE("prefix_successor", "[list]") {
  CHECK(keys::prefix_successor("a/") == "a0");
  CHECK(keys::prefix_successor(std::string("a\xff\xff", 3)) == "b");
  CHECK(keys::prefix_successor(std::string("\xff", 1)).empty());
}

TEST_CASE("a delimiter listing seeks past a big common prefix in one step", "[list]") {
  test::TempDir dir;
  auto idx = Index::open(dir.path() + "/index");
  REQUIRE(idx.ok());
  Index& index = **idx;
  REQUIRE(index.create_bucket("b", 1).ok());
  REQUIRE(index.put_object(record("b", "a.txt")).ok());
  for (int i = 0; i < 300; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "big/%04d", i);
    REQUIRE(index.put_object(record("b", name)).ok());
  }
  REQUIRE(index.put_object(record("b", "big0")).ok());
  REQUIRE(index.put_object(record("b", "c/1")).ok());
  REQUIRE(index.put_object(record("b", "c/2")).ok());
  REQUIRE(index.put_object(record("b", "z")).ok());

  ListParams p;
  p.delimiter = "/";
  ListStats stats;
  auto r = index.list_objects("b", p, &stats);
  REQUIRE(r.ok());
  CHECK(names(*r) == std::vector<std::string>{"a.txt", "big0", "z"});
  CHECK(r->prefixes == std::vector<std::string>{"big/", "c/"});
  // One seek to start plus one per common prefix; one step per object.
  CHECK(stats.seeks == 3);
  CHECK(stats.nexts == 3);

  // Resuming after a common prefix does not walk its keys either.
  ListParams p2 = p;
  p2.after = "big/";
  ListStats stats2;
  auto r2 = index.list_objects("b", p2, &stats2);
  REQUIRE(r2.ok());
  CHECK(names(*r2) == std::vector<std::string>{"big0", "z"});
  CHECK(r2->prefixes == std::vector<std::string>{"c/"});
  CHECK(stats2.seeks <= 3);

  // Without a delimiter every key is visited, and max_keys truncates.
  ListParams p3;
  p3.prefix = "big/";
  p3.max_keys = 100;
  auto r3 = index.list_objects("b", p3);
  REQUIRE(r3.ok());
  CHECK(r3->objects.size() == 100);
  CHECK(r3->truncated);
  CHECK(r3->last == "big/0099");
  p3.after = r3->last;
  p3.max_keys = 1000;
  auto r4 = index.list_objects("b", p3);
  REQUIRE(r4.ok());
  CHECK(r4->objects.size() == 200);
  CHECK_FALSE(r4->truncated);
  CHECK(r4->objects.front().key == "big/0100");
}

TEST_CASE("index records are strongly consistent and survive reopen", "[list]") {
  test::TempDir dir;
  {
    auto idx = Index::open(dir.path() + "/index");
    REQUIRE(idx.ok());
    REQUIRE((*idx)->create_bucket("b", 42).ok());
    auto old = (*idx)->put_object(record("b", "k"));
    REQUIRE(old.ok());
    CHECK_FALSE(old->has_value());
    ObjectRecord r2 = record("b", "k");
    r2.layout.data_id = "11111111111111111111111111111111";
    r2.parts[0].data_id = r2.layout.data_id;
    auto old2 = (*idx)->put_object(r2);
    REQUIRE(old2.ok());
    REQUIRE(old2->has_value());
    CHECK((*old2)->layout.data_id == "00000000000000000000000000000000");
    CHECK((*idx)->replace_object_if(record("b", "k"), "deadbeef").error().code == s3::Code::NoSuchKey);
  }
  auto idx = Index::open(dir.path() + "/index");
  REQUIRE(idx.ok());
  auto b = (*idx)->get_bucket("b");
  REQUIRE(b.ok());
  CHECK(b->created_ms == 42);
  auto rec = (*idx)->get_object("b", "k");
  REQUIRE(rec.ok());
  CHECK(rec->layout.data_id == "11111111111111111111111111111111");
  auto ids = (*idx)->referenced_data_ids();
  REQUIRE(ids.ok());
  CHECK(ids->size() == 1);
  CHECK(ids->count("11111111111111111111111111111111") == 1);
}
