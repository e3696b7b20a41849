// Range-partitioned index shards and their online split (rados/shard_map.h,
// rados/split.h): splits at a small threshold keep every key exactly once in listings,
// versions and uploads; two gateways keep committing while shards split; a gateway
// holding a stale map recovers; a split stopped at any step (its gateway "died") is
// finished by the next gateway that meets the shard.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "rados/seed.h"
#include "rados/split.h"
#include "rados_env.h"

using namespace silt;
using silt::test::RadosEnv;

namespace {

constexpr uint64_t kSplitAt = 200;  // entries: a few dozen keys per shard

RadosEnv small_shards(const std::string& name_space = "", const std::string& failpoint = "",
                      int64_t timeout_ms = 30000) {
  return RadosEnv([&](RadosConfig& c) {
    if (!name_space.empty()) c.name_space = name_space;
    c.split_entries = kSplitAt;
    c.split_failpoint = failpoint;
    c.split_timeout_ms = timeout_ms;
  });
}

std::string key_of(int i) {
  char k[32];
  std::snprintf(k, sizeof k, "k/%05d", i);
  return k;
}

size_t shard_count(RadosEnv& env, const std::string& bucket) {
  env.backend().upkeep.drain();  // splits run on the upkeep worker (rados/upkeep.h)
  env.backend().forget_bucket(bucket);
  auto m = env.backend().shard_map(bucket);
  REQUIRE(m.ok());
  return (*m)->ranges.size();
}

// Every key listed, page by page (max_keys per page), checking order and uniqueness.
std::vector<std::string> list_all(ObjectLayer& l, const std::string& bucket, int max_keys, std::string prefix = "") {
  std::vector<std::string> out;
  ListParams p;
  p.prefix = std::move(prefix);
  p.max_keys = max_keys;
  for (int guard = 0; guard < 100000; ++guard) {
    auto r = l.list_objects(bucket, p);
    INFO((r.ok() ? "" : r.error().message));
    REQUIRE(r.ok());
    for (const auto& o : r->objects) {
      if (!out.empty()) REQUIRE(o.key > out.back());  // in order, never twice
      out.emplace_back(o.key);
    }
    if (!r->truncated) break;
    p.after = r->last;
  }
  return out;
}

std::vector<std::string> expected(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(key_of(i));
  return out;
}

}  // namespace

TEST_CASE("rados split: a shard past the threshold splits; keys, versions, uploads stay exactly once",
          "[rados][split]") {
  RadosEnv env = small_shards();
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  REQUIRE(shard_count(env, "b") == 1);
  REQUIRE(l.set_versioning("b", Versioning::Enabled).ok());
  constexpr int n = 300;
  for (int i = 0; i < n; ++i) REQUIRE(env.put("b", key_of(i), "v1-" + std::to_string(i)).ok());
  for (int i = 0; i < n; i += 10) REQUIRE(env.put("b", key_of(i), "v2-" + std::to_string(i)).ok());
  auto up = l.create_upload("b", key_of(250), {});
  REQUIRE(up.ok());
  const size_t shards = shard_count(env, "b");
  CHECK(shards >= 4);  // 300 keys x (O, V, D) at 200 entries a shard
  // Every shard within the threshold (each split halves; a few commits may overshoot).
  auto map = env.backend().shard_map("b");
  REQUIRE(map.ok());
  for (const auto& r : (*map)->ranges) {
    auto c = rados::count_entries(env.backend(), r.shard.oid);
    REQUIRE(c.ok());
    CHECK(*c < 2 * kSplitAt);
  }
  CHECK(list_all(l, "b", 7) == expected(n));
  CHECK(list_all(l, "b", 1000) == expected(n));
  CHECK(list_all(l, "b", 13, "k/001").size() == 100);
  // Versions: every key once per version, newest first.
  VersionListParams vp;
  vp.max_keys = 11;
  std::map<std::string, int> versions;
  for (;;) {
    auto r = l.list_object_versions("b", vp);
    REQUIRE(r.ok());
    for (const auto& v : r->versions) ++versions[v.key];
    if (!r->truncated) break;
    vp.key_marker = r->next_key_marker;
    vp.version_id_marker = r->next_version_id_marker;
  }
  REQUIRE(versions.size() == n);
  for (int i = 0; i < n; ++i) CHECK(versions[key_of(i)] == (i % 10 == 0 ? 2 : 1));
  // Reads find each key in its shard; the newest version wins.
  CHECK(*env.get("b", key_of(0)) == "v2-0");
  CHECK(*env.get("b", key_of(299)) == "v1-299");
  // The upload moved with its key and completes.
  auto ul = l.list_uploads("b", {});
  REQUIRE(ul.ok());
  REQUIRE(ul->uploads.size() == 1);
  // Deletes and the bucket delete see every shard.
  REQUIRE(l.abort_upload("b", key_of(250), up->upload_id).ok());
  CHECK(l.delete_bucket("b").error().code == s3::Code::BucketNotEmpty);
  CHECK(list_all(l, "b", 1000) == expected(n));  // the refused delete reopened every shard
  REQUIRE(env.put("b", key_of(n), "after").ok());
}

TEST_CASE("rados split: two gateways PUT while shards split: nothing lost or listed twice", "[rados][split]") {
  RadosEnv a = small_shards();
  RadosEnv b = small_shards(a.cfg.name_space);
  REQUIRE(a.layer->make_bucket("b").ok());
  constexpr int n = 600;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      RadosEnv& gw = t % 2 ? b : a;
      for (int i = t; i < n; i += 4) {
        auto r = gw.put("b", key_of(i), "x");
        if (!r.ok()) {
          ++failed;
          UNSCOPED_INFO(key_of(i) << ": " << r.error().message);
        }
      }
    });
  for (auto& th : threads) th.join();
  REQUIRE(failed == 0);
  CHECK(shard_count(a, "b") >= 4);
  // List-after-write on either gateway (b's map may be stale: it recovers).
  CHECK(list_all(*b.layer, "b", 1000) == expected(n));
  CHECK(list_all(*a.layer, "b", 37) == expected(n));
}

TEST_CASE("rados split: a gateway holding a stale map recovers", "[rados][split]") {
  RadosEnv a = small_shards();
  RadosEnv b = small_shards(a.cfg.name_space);
  REQUIRE(a.layer->make_bucket("b").ok());
  REQUIRE(a.put("b", key_of(0), "x").ok());
  // b learns the one-shard map, then a splits it several times.
  REQUIRE(b.get("b", key_of(0)).ok());
  for (int i = 1; i < 200; ++i) REQUIRE(a.put("b", key_of(i), "x").ok());
  REQUIRE(shard_count(a, "b") > 1);
  auto stale = b.backend().shard_map("b");
  REQUIRE(stale.ok());
  REQUIRE((*stale)->ranges.size() == 1);  // b has not looked again
  // Reads, writes, deletes and listings through the stale map land right.
  CHECK(*b.get("b", key_of(199)) == "x");
  REQUIRE(b.put("b", key_of(150), "from b").ok());
  CHECK(*a.get("b", key_of(150)) == "from b");
  REQUIRE(b.layer->delete_object("b", key_of(151), "", nullptr).ok());
  auto keys = list_all(*a.layer, "b", 1000);
  CHECK(keys.size() == 199);
  CHECK(std::find(keys.begin(), keys.end(), key_of(151)) == keys.end());
}

TEST_CASE("rados split: a split stopped at any step is finished by the next gateway", "[rados][split]") {
  for (const char* step : {"copied", "mapped", "regen", "trimmed"}) {
    INFO("stopped after " << step);
    RadosEnv dying = small_shards("", step);
    RadosEnv next = small_shards(dying.cfg.name_space, "", 300);
    REQUIRE(dying.layer->make_bucket("b").ok());
    // 100 keys: no split yet on the dying gateway's count? Force one explicitly.
    for (int i = 0; i < 60; ++i) REQUIRE(next.put("b", key_of(i), "x").ok());
    next.backend().upkeep.drain();  // no split of next's running beside the one below
    auto m = dying.backend().shard_map("b");
    REQUIRE(m.ok());
    const rados::ShardRef first = (*m)->ranges.back().shard;
    auto split = rados::split_shard(dying.backend(), "b", first);
    REQUIRE(!split.ok());  // stopped at the failpoint: the shard stays "splitting"
    // Listed meanwhile (after "regen": the old shard still holds the moved entries, and the
    // listing blocks across the bound, which pages cut at the new range).
    next.backend().forget_bucket("b");
    CHECK(list_all(*next.layer, "b", 7) == expected(60));
    // The next gateway's PUT into that shard waits out the timeout, then finishes the split.
    next.backend().forget_bucket("b");
    REQUIRE(next.put("b", key_of(59), "after").ok());
    REQUIRE(next.put("b", key_of(0), "after").ok());
    CHECK(shard_count(next, "b") == (*m)->ranges.size() + 1);
    CHECK(list_all(*next.layer, "b", 7) == expected(60));
    CHECK(list_all(*dying.layer, "b", 1000) == expected(60));
    CHECK(*dying.get("b", key_of(59)) == "after");
    // Every shard live again, no split record left.
    auto after = next.backend().shard_map("b");
    for (const auto& r : (*after)->ranges) {
      librados::bufferlist state;
      REQUIRE(next.backend().index.getxattr(r.shard.oid, rados::kStateXattr, state) > 0);
      CHECK(state.to_str() == "live");
      librados::bufferlist rec;
      CHECK(next.backend().index.getxattr(r.shard.oid, rados::kSplitXattr, rec) < 0);
    }
  }
}

TEST_CASE("rados split: versioning toggled while PUTs run on another gateway loses no version", "[rados][split]") {
  RadosEnv a = small_shards();
  RadosEnv b = small_shards(a.cfg.name_space);
  REQUIRE(a.layer->make_bucket("b").ok());
  for (int i = 0; i < 200; ++i) REQUIRE(a.put("b", key_of(i), "seed").ok());
  REQUIRE(shard_count(a, "b") > 1);
  REQUIRE(a.layer->set_versioning("b", Versioning::Enabled).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0};
  std::vector<std::pair<std::string, std::string>> written;  // key, version id
  std::thread writer([&] {
    for (int round = 0; !stop; ++round)
      for (int i = 0; i < 200 && !stop; i += 17) {
        auto r = b.put("b", key_of(i), "r" + std::to_string(round));
        if (!r.ok())
          ++failed;
        else
          written.emplace_back(key_of(i), r->version_id);
      }
  });
  for (int t = 0; t < 6; ++t)
    REQUIRE(a.layer->set_versioning("b", t % 2 ? Versioning::Enabled : Versioning::Suspended).ok());
  REQUIRE(a.layer->set_versioning("b", Versioning::Enabled).ok());
  stop = true;
  writer.join();
  REQUIRE(failed == 0);
  // Every shard shows the same state, and the record too.
  auto m = a.backend().shard_map("b");
  REQUIRE(m.ok());
  std::set<std::string> states;
  for (const auto& r : (*m)->ranges) {
    librados::bufferlist v;
    REQUIRE(a.backend().index.getxattr(r.shard.oid, "versioning", v) > 0);
    states.insert(v.to_str());
  }
  CHECK(states.size() == 1);
  CHECK(a.layer->head_bucket("b")->versioning == Versioning::Enabled);
  // Every version a PUT got an id for is still there (a Suspended PUT replaces only
  // the null version), and no key has two null versions.
  VersionListParams vp;
  std::map<std::string, int> nulls;
  std::set<std::pair<std::string, std::string>> listed;
  for (;;) {
    auto r = a.layer->list_object_versions("b", vp);
    REQUIRE(r.ok());
    for (const auto& v : r->versions) {
      if (v.version_id == "null") ++nulls[v.key];
      listed.emplace(v.key, v.version_id);
    }
    if (!r->truncated) break;
    vp.key_marker = r->next_key_marker;
    vp.version_id_marker = r->next_version_id_marker;
  }
  for (const auto& [k, count] : nulls) CHECK(count == 1);
  REQUIRE(!written.empty());
  for (const auto& w : written)
    if (w.second != "null") CHECK(listed.count(w));
}

namespace {

std::string seeded_key(int i) {
  char k[32];
  std::snprintf(k, sizeof k, "d/%07d", i);
  return k;
}

// n keys seeded on one gateway while another PUTs keys between them; shards split
// under both. Then every key is listed exactly once, in order, on both gateways.
void seed_under_puts(int n, uint64_t split_entries) {
  auto tweak = [&](RadosConfig& c) { c.split_entries = split_entries; };
  RadosEnv a(tweak);
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(seeded_key(i));
  std::atomic<bool> seeding{true};
  std::atomic<int> failed{0};
  std::vector<std::string> put;  // "d/<7 digits>-p": between seeded keys, all over the range
  std::thread writer([&] {
    for (int i = 0; seeding || i < 200; ++i) {
      const std::string key = seeded_key(static_cast<int>((i * 7919L) % n)) + "-p" + std::to_string(i);
      auto r = b.put("b", key, "x");
      if (!r.ok()) {
        ++failed;
        UNSCOPED_INFO(key << ": " << r.error().message);
      } else {
        put.push_back(key);
      }
    }
  });
  const size_t chunk = 20000;  // seeding in slices, so PUTs interleave with splits
  for (size_t i = 0; i < keys.size(); i += chunk) {
    std::vector<std::string> slice(keys.begin() + static_cast<long>(i),
                                   keys.begin() + static_cast<long>(std::min(keys.size(), i + chunk)));
    auto s = rados::seed_empty_objects(a.backend(), "b", slice);
    INFO((s.ok() ? "" : s.error().message));
    REQUIRE(s.ok());
  }
  seeding = false;
  writer.join();
  REQUIRE(failed == 0);
  keys.insert(keys.end(), put.begin(), put.end());
  std::sort(keys.begin(), keys.end());
  const size_t shards = shard_count(a, "b");
  CHECK(shards >= static_cast<size_t>(n) / split_entries);
  UNSCOPED_INFO(keys.size() << " keys in " << shards << " shards");
  CHECK(list_all(*b.layer, "b", 1000) == keys);
  CHECK(list_all(*a.layer, "b", 997) == keys);
}

}  // namespace

TEST_CASE("rados split: 20k keys seeded and split under concurrent PUTs are each listed once", "[rados][split]") {
  seed_under_puts(20000, 2000);
}

TEST_CASE("rados split: 1M keys seeded and split under concurrent PUTs are each listed once", "[.slow][rados][split]") {
  seed_under_puts(1000000, 100000);
}

TEST_CASE("rados split: list page of 1000 at 10k and 1M keys", "[.bench]") {
  RadosEnv env;  // the default split threshold
  auto& l = *env.layer;
  const std::vector<std::pair<std::string, int>> buckets = {{"p10k", 10000}, {"p1m", 1000000}};
  for (const auto& [bucket, n] : buckets) {
    REQUIRE(l.make_bucket(bucket).ok());
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) keys.push_back(seeded_key(i));
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(rados::seed_empty_objects(env.backend(), bucket, keys).ok());
    std::printf("%s: seeded %d keys in %.1f s, %zu shards\n", bucket.c_str(), n,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), shard_count(env, bucket));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::minstd_rand rng(7);
  for (int run = 0; run < 3; ++run) {
    double med[2];
    for (size_t bi = 0; bi < buckets.size(); ++bi) {
      std::vector<double> ms;
      for (int page = 0; page < 100; ++page) {
        ListParams p;
        p.max_keys = 1000;
        p.after = seeded_key(static_cast<int>(rng() % static_cast<unsigned>(buckets[bi].second - 1000)));
        const auto t0 = std::chrono::steady_clock::now();
        auto r = l.list_objects(buckets[bi].first, p);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        REQUIRE(r.ok());
        REQUIRE(r->objects.size() == 1000);
      }
      med[bi] = median(ms);
    }
    std::printf(
        "run %d: page of 1000, median of 100 at random positions: 10k keys %.2f ms, 1M keys %.2f ms, "
        "ratio %.2f\n",
        run + 1, med[0], med[1], med[1] / med[0]);
  }
}

TEST_CASE("rados split: DeleteBucket meeting a dead gateway's split finishes it, then decides", "[rados][split]") {
  RadosEnv dying = small_shards("", "copied");
  RadosEnv next = small_shards(dying.cfg.name_space, "", 300);
  REQUIRE(dying.layer->make_bucket("b").ok());
  for (int i = 0; i < 40; ++i) REQUIRE(next.put("b", key_of(i), "x").ok());
  auto m = dying.backend().shard_map("b");
  REQUIRE(m.ok());
  REQUIRE(!rados::split_shard(dying.backend(), "b", (*m)->ranges.front().shard).ok());
  // Not SlowDown: the delete finishes the split after the timeout and sees both shards.
  auto busy = next.layer->delete_bucket("b");
  REQUIRE(!busy.ok());
  CHECK(busy.error().code == s3::Code::BucketNotEmpty);
  CHECK(shard_count(next, "b") == 2);
  for (int i = 0; i < 40; ++i) REQUIRE(next.layer->delete_object("b", key_of(i), "", nullptr).ok());
  REQUIRE(next.layer->delete_bucket("b").ok());
  CHECK(next.layer->head_bucket("b").error().code == s3::Code::NoSuchBucket);
}
