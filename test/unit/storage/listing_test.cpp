#include <catch2/catch.hpp>
#include <set>

#include "index/index.h"
#include "index/keys.h"
#include "storage_env.h"

using namespace silt;

namespace {

// The obvious (slow) definition of an S3 listing, to check the index against.
ListResult reference_list(const std::set<std::string>& keys, const ListParams& p) {
  ListResult r;
  if (p.max_keys <= 0) return r;
  int count = 0;
  std::string last_cp;
  for (const auto& k : keys) {
    if (k.compare(0, p.prefix.size(), p.prefix) != 0) continue;
    std::string entry = k;
    bool is_prefix = false;
    if (!p.delimiter.empty()) {
      size_t pos = k.find(p.delimiter, p.prefix.size());
      if (pos != std::string::npos) {
        entry = k.substr(0, pos + p.delimiter.size());
        is_prefix = true;
      }
    }
    if (entry <= p.after) continue;
    if (is_prefix && entry == last_cp) continue;
    if (count == p.max_keys) {
      r.truncated = true;
      break;
    }
    if (is_prefix) {
      r.prefixes.push_back(entry);
      last_cp = entry;
    } else {
      ObjectInfo o;
      o.key = entry;
      r.objects.push_back(o);
    }
    r.last = entry;
    ++count;
  }
  return r;
}

std::vector<std::string> names(const ListResult& r) {
  std::vector<std::string> v;
  for (const auto& o : r.objects) v.push_back(o.key);
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

const std::vector<std::string> kOddKeys = {"a b",    "a+b", "ä/ö",   "a//b",  "./x",          "100%",
                                           "d/",     "d/e", "d/f/g", "a/b/c", "a/b",          "a",
                                           "b",      "ab",  "a%2Fb", "z~",    "\xe2\x82\xac", std::string("n\0ul", 4),
                                           "bad\xff"};

}  // namespace

TEST_CASE("prefix_successor", "[list]") {
  CHECK(keys::prefix_successor("a/") == "a0");
  CHECK(keys::prefix_successor(std::string("a\xff\xff", 3)) == "b");
  CHECK(keys::prefix_successor(std::string("\xff", 1)).empty());
}

TEST_CASE("listing odd keys through the object layer", "[list]") {
  test::StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->make_bucket("b2").ok());
  REQUIRE(env.put("b2", "a", "other bucket").ok());
  std::set<std::string> keys(kOddKeys.begin(), kOddKeys.end());
  for (const auto& k : kOddKeys) REQUIRE(env.put("b", k, k).ok());

  {  // no delimiter lists everything in byte order with full info
    auto r = env.layer->list_objects("b", {});
    REQUIRE(r.ok());
    CHECK(names(*r) == std::vector<std::string>(keys.begin(), keys.end()));
    CHECK(r->prefixes.empty());
    CHECK_FALSE(r->truncated);
    for (const auto& o : r->objects) {
      CHECK(o.bucket == "b");
      CHECK(o.size == o.key.size());
      CHECK(o.etag.size() == 32);
    }
  }
  {  // hand-checked delimiter listing
    ListParams p;
    p.delimiter = "/";
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    CHECK(r->prefixes == std::vector<std::string>{"./", "a/", "d/", "ä/"});
    CHECK(names(*r) == std::vector<std::string>{"100%", "a", "a b", "a%2Fb", "a+b", "ab", "b", "bad\xff",
                                                std::string("n\0ul", 4), "z~", "\xe2\x82\xac"});
    CHECK(r->last == "\xe2\x82\xac");
  }
  {  // a directory marker is an object under its own prefix
    ListParams p;
    p.prefix = "d/";
    p.delimiter = "/";
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    CHECK(names(*r) == std::vector<std::string>{"d/", "d/e"});
    CHECK(r->prefixes == std::vector<std::string>{"d/f/"});
  }
  {  // double delimiter
    ListParams p;
    p.prefix = "a/";
    p.delimiter = "/";
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    CHECK(r->prefixes == std::vector<std::string>{"a//", "a/b/"});
    CHECK(names(*r) == std::vector<std::string>{"a/b"});
  }
  {  // keys that are not valid UTF-8 or hold NUL keep their exact bytes
    auto st = env.layer->stat_object("b", "bad\xff");
    REQUIRE(st.ok());
    CHECK(st->key == "bad\xff");
    auto got = env.get("b", std::string("n\0ul", 4));
    REQUIRE(got.ok());
    CHECK(*got == std::string("n\0ul", 4));
  }
  {  // max_keys 0 returns nothing, not truncated
    ListParams p;
    p.max_keys = 0;
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    CHECK(r->objects.empty());
    CHECK(r->prefixes.empty());
    CHECK_FALSE(r->truncated);
  }
  {  // every parameter combination agrees with the reference, and pages join up
    std::vector<std::string> prefixes = {"", "a", "a/", "d/", "ä", "z", "nothing"};
    std::vector<std::string> delims = {"", "/", "b", "//", "ö"};
    std::vector<std::string> afters = {"", "a", "a/", "a b", "d/", "./x", "zzz"};
    for (const auto& pre : prefixes)
      for (const auto& del : delims)
        for (const auto& aft : afters)
          for (int mk : {1, 2, 3, 1000}) {
            ListParams p{pre, del, aft, mk};
            INFO("prefix '" << pre << "' delim '" << del << "' after '" << aft << "' max " << mk);
            auto r = env.layer->list_objects("b", p);
            REQUIRE(r.ok());
            ListResult want = reference_list(keys, p);
            CHECK(names(*r) == names(want));
            CHECK(r->prefixes == want.prefixes);
            CHECK(r->truncated == want.truncated);
            CHECK(r->last == want.last);
          }
    // Paging with after = last yields the full listing exactly once.
    for (const auto& del : delims) {
      ListParams full{"", del, "", 1000};
      ListResult want = reference_list(keys, full);
      std::vector<std::string> objs, pres;
      ListParams p{"", del, "", 2};
      for (int guard = 0; guard < 100; ++guard) {
        auto r = env.layer->list_objects("b", p);
        REQUIRE(r.ok());
        for (const auto& o : r->objects) objs.push_back(o.key);
        pres.insert(pres.end(), r->prefixes.begin(), r->prefixes.end());
        if (!r->truncated) break;
        p.after = r->last;
      }
      CHECK(objs == names(want));
      CHECK(pres == want.prefixes);
    }
  }
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
