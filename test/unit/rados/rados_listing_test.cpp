// ListObjects on RADOS gives the same pages as the erasure backend's LevelDB index
// for the same keys: prefix, delimiter, `after`, max-keys, walked to the end.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>

#include "rados_env.h"

using namespace silt;
using silt::test::RadosEnv;
using silt::test::StorageEnv;

namespace {

const std::vector<std::string> kKeys = {"a",
                                        "a/b",
                                        "a/b/c",
                                        "a/b/d",
                                        "a/c",
                                        "a/c/",
                                        "a/d/e/f",
                                        "ab",
                                        "b",
                                        "b-1",
                                        "b/1",
                                        "b/2/x",
                                        "b/2/y",
                                        "c.txt",
                                        "d/",
                                        "d//e",
                                        "dir/x/1",
                                        "dir/x/2",
                                        "dir/y/1",
                                        "dir/z",
                                        "e\xc3\xa9",
                                        "logs/2026/12/01",
                                        "logs/2026/12/02",
                                        "logs/2027",
                                        "z",
                                        "zz/",
                                        "zz/top",
                                        "\xe2\x82\xac"};

struct Page {
  std::vector<std::string> keys, prefixes;
  bool truncated = false;
  std::string last;
  bool operator==(const Page&) const = default;
};

std::vector<Page> walk(ObjectLayer& l, ListParams p) {
  std::vector<Page> pages;
  for (int guard = 0; guard < 100; ++guard) {
    auto r = l.list_objects("b", p);
    REQUIRE(r.ok());
    Page page{{}, r->prefixes, r->truncated, r->last};
    for (const auto& o : r->objects) page.keys.push_back(o.key);
    pages.push_back(page);
    if (!r->truncated) break;
    p.after = r->last;
  }
  return pages;
}

}  // namespace

TEST_CASE("rados: listing pages equal the erasure backend's", "[rados][listing]") {
  // One shard, and the same keys over up to 8 range shards (rados/shard_map.h).
  const int rounds = GENERATE(0, 3);
  INFO("split rounds " << rounds);
  RadosEnv rados;
  StorageEnv erasure;
  REQUIRE(rados.layer->make_bucket("b").ok());
  REQUIRE(erasure.layer->make_bucket("b").ok());
  for (const auto& k : kKeys) {
    REQUIRE(rados.put("b", k, "x").ok());
    REQUIRE(erasure.put("b", k, "x").ok());
  }
  rados.split_everywhere("b", rounds);
  if (rounds > 0) REQUIRE((*rados.backend().shard_map("b"))->ranges.size() >= 4);
  for (const char* prefix : {"", "a", "a/", "b/", "dir/", "logs/2026/", "nothing", "zz/"})
    for (const char* delimiter : {"", "/", "//", "x/"})
      for (int max_keys : {0, 1, 3, 1000})
        for (const char* after : {"", "a/b", "dir/x/1"}) {
          ListParams p;
          p.prefix = prefix;
          p.delimiter = delimiter;
          p.max_keys = max_keys;
          p.after = after;
          INFO("prefix '" << prefix << "' delimiter '" << delimiter << "' max " << max_keys << " after '" << after
                          << "'");
          auto got = walk(*rados.layer, p);
          auto want = walk(*erasure.layer, p);
          REQUIRE(got.size() == want.size());
          for (size_t i = 0; i < got.size(); ++i) {
            CHECK(got[i].keys == want[i].keys);
            CHECK(got[i].prefixes == want[i].prefixes);
            CHECK(got[i].truncated == want[i].truncated);
            CHECK(got[i].last == want[i].last);
          }
        }
  // Listing fields come from the listing header.
  auto r = rados.layer->list_objects("b", {"c", "", "", 10});
  REQUIRE(r.ok());
  REQUIRE(r->objects.size() == 1);
  CHECK(r->objects[0].size == 1);
  CHECK(r->objects[0].etag == "9dd4e461268c8034f5c8564e155c67a6");
  CHECK(r->objects[0].meta.storage_class == "STANDARD");
  CHECK(r->objects[0].mtime_ms > 0);
}

TEST_CASE("rados: listing more than one omap page", "[rados][listing]") {
  RadosEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  // 2100 keys in 3 groups: pages of 1000 cross the shard's 1000-entry reads.
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 2100; i += 8) {
        char key[32];
        std::snprintf(key, sizeof key, "g%d/%05d", i % 3, i);
        if (!env.put("b", key, "").ok()) ++failed;
      }
    });
  for (auto& th : threads) th.join();
  REQUIRE(failed == 0);
  ListParams p;
  p.max_keys = 1000;
  size_t total = 0;
  std::string last;
  for (int page = 0; page < 10; ++page) {
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    for (const auto& o : r->objects) {
      CHECK(o.key > last);
      last = o.key;
    }
    total += r->objects.size();
    if (!r->truncated) break;
    p.after = r->last;
  }
  CHECK(total == 2100);
  p = {};
  p.delimiter = "/";
  auto r = env.layer->list_objects("b", p);
  REQUIRE(r.ok());
  CHECK(r->prefixes == std::vector<std::string>{"g0/", "g1/", "g2/"});
  CHECK(r->objects.empty());
}
