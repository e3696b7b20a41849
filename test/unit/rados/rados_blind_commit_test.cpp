// A PUT of a new key commits without reading first, batched with the other new keys this
// gateway has ready for the same shard (rados/objects.cpp commit_blind,
// rados/commit_batch.h). Whatever the blind op assumed (the key absent, the shard's
// versioning state, its generation) is asserted by it: when it is wrong the op fails and
// the commit is decided from a read, exactly as without the shortcut. Each case here
// first PUTs a key through every gateway, so the gateways have the hint they need and
// the blind path is the one taken.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "rados_env.h"

using namespace silt;
using silt::test::kStripe;
using silt::test::RadosEnv;
using silt::test::random_bytes;

namespace {

// A PUT through each gateway: from here both commit new keys blind.
void prime(RadosEnv& a, RadosEnv& b, const std::string& bucket) {
  REQUIRE(a.put(bucket, "prime-a", "a").ok());
  REQUIRE(b.put(bucket, "prime-b", "b").ok());
}

}  // namespace

TEST_CASE("rados blind commit: If-None-Match races on two gateways, several keys at once: one winner each",
          "[rados][blind]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  prime(a, b, "b");
  // 8 keys x 8 writers, a key's writers started one after the other so that a batch a
  // gateway forms holds several of them: one op must never carry two (both would "win").
  constexpr int kKeys = 8, kWriters = 8;
  std::atomic<int> won[kKeys] = {}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kKeys * kWriters; ++i)
    threads.emplace_back([&, i] {
      RadosEnv& env = i % 2 ? a : b;
      WriteConditions c;
      c.if_none_match_any = true;
      auto r = env.put("b", "k" + std::to_string(i / kWriters), "writer " + std::to_string(i), c);
      if (r.ok())
        ++won[i / kWriters];
      else if (r.error().code == s3::Code::PreconditionFailed)
        ++refused;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  for (int k = 0; k < kKeys; ++k) {
    INFO("key k" << k);
    CHECK(won[k] == 1);
  }
  CHECK(refused == kKeys * (kWriters - 1));
  CHECK(other == 0);
  CHECK(a.shard_entries("b", "V").size() == kKeys + 2);
  CHECK(a.shard_entries("b", "I").empty());
}

TEST_CASE("rados blind commit: many new keys from two gateways at once are each stored once", "[rados][blind]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  prime(a, b, "b");
  constexpr int kThreads = 24, kEach = 20;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      RadosEnv& env = t % 2 ? a : b;
      for (int i = 0; i < kEach; ++i) {
        const std::string key = "n/" + std::to_string(t) + "/" + std::to_string(i);
        // Every fourth one pooled (an intent, asserted by the batched op), the rest inline.
        const std::string data = i % 4 == 0 ? random_bytes(kStripe + 5, t * 100 + i) : key;
        if (!env.put("b", key, data).ok()) ++failed;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  CHECK(a.shard_entries("b", "O").size() == kThreads * kEach + 2);
  CHECK(a.shard_entries("b", "V").size() == kThreads * kEach + 2);
  CHECK(a.shard_entries("b", "I").empty());
  CHECK(a.shard_entries("b", "G").empty());
  for (int t = 0; t < kThreads; t += 5) {
    const std::string key = "n/" + std::to_string(t) + "/1";
    CHECK(*b.get("b", key) == key);
    CHECK(*a.get("b", "n/" + std::to_string(t) + "/0") == random_bytes(kStripe + 5, t * 100));
  }
}

TEST_CASE("rados blind commit: unconditional PUTs of one key racing on two gateways lose and leak nothing",
          "[rados][blind]") {
  RadosEnv a([](RadosConfig& c) { c.gc_grace_ms = 0; });
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  prime(a, b, "b");
  // All start while the key is absent: every blind attempt but the first to land fails
  // its "absent" assertion; each later commit must replace the one before, queuing its
  // data for GC. A blind op that did not assert absence would overwrite O without
  // queuing the data it replaced: fewer G entries, data left behind.
  constexpr int kWriters = 12;
  std::vector<std::string> bodies;
  for (int i = 0; i < kWriters; ++i) bodies.push_back(random_bytes(kStripe + 17, 1000 + i));
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i)
    threads.emplace_back([&, i] {
      if (!(i % 2 ? a : b).put("b", "hot", bodies[static_cast<size_t>(i)]).ok()) ++failed;
    });
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  CHECK(a.shard_entries("b", "V").size() == 3);  // hot's null version, the two primes
  CHECK(a.shard_entries("b", "G").size() == kWriters - 1);
  CHECK(a.shard_entries("b", "I").empty());
  auto got = a.get("b", "hot");
  REQUIRE(got.ok());
  CHECK(std::find(bodies.begin(), bodies.end(), *got) != bodies.end());
  auto gc = a.rados().collect_garbage();
  REQUIRE(gc.ok());
  CHECK(*gc == kWriters - 1);
  CHECK(*b.get("b", "hot") == *got);
}

TEST_CASE("rados blind commit: a versioning change on another gateway is seen by the next new key", "[rados][blind]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  REQUIRE(a.layer->set_versioning("b", Versioning::Enabled).ok());
  prime(a, b, "b");  // a's hint: Enabled
  REQUIRE(b.layer->set_versioning("b", Versioning::Suspended).ok());
  // a's blind op asserts Enabled and fails; decided again under Suspended: null.
  auto k2 = a.put("b", "k2", "two");
  REQUIRE(k2.ok());
  CHECK(k2->version_id == "null");
  REQUIRE(b.layer->set_versioning("b", Versioning::Enabled).ok());
  auto k3 = a.put("b", "k3", "three");
  REQUIRE(k3.ok());
  CHECK(k3->version_id != "null");
  auto k4 = a.put("b", "k4", "four");  // the hint relearnt: blind again, still versioned
  REQUIRE(k4.ok());
  CHECK(k4->version_id != "null");
}

TEST_CASE("rados blind commit: a PUT into a bucket deleted and re-created meanwhile lands in the new one",
          "[rados][blind]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  prime(a, b, "b");
  REQUIRE(b.layer->delete_object("b", "prime-a", "", nullptr).ok());
  REQUIRE(b.layer->delete_object("b", "prime-b", "", nullptr).ok());
  REQUIRE(b.layer->delete_bucket("b").ok());
  REQUIRE(b.layer->make_bucket("b").ok());
  // a may still hold the old bucket's shard and hint: its op meets a removed object.
  auto r = a.put("b", "after", "x");
  REQUIRE(r.ok());
  CHECK(*b.get("b", "after") == "x");
  CHECK(b.shard_entries("b", "O").size() == 1);
}
