// ListObjects on RADOS gives the same pages as the erasure backend's LevelDB index
// for the same keys: prefix, delimiter, `after`, max-keys, walked to the end.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "rados/list_pack.h"
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
    for (const auto& o : r->objects) page.keys.emplace_back(o.key);
    pages.push_back(page);
    if (!r->truncated) break;
    p.after = r->last;
  }
  return pages;
}

}  // namespace

namespace {

// Folds every delta of bucket's shards into blocks (rados/list_pack.h).
void compact_all(RadosEnv& env, const std::string& bucket) {
  env.backend().upkeep.drain();  // the splits the commits made due first: then every shard is here
  env.backend().forget_bucket(bucket);
  auto map = env.backend().shard_map(bucket);
  REQUIRE(map.ok());
  for (const auto& range : (*map)->ranges) REQUIRE(rados::compact_shard(env.backend(), range.shard, SIZE_MAX).ok());
}

// The count of bucket's entries of one kind ('K' blocks, 'L' deltas of every epoch: L and M
// entries) over its shards.
size_t count_kind(RadosEnv& env, const std::string& bucket, char kind) {
  env.backend().forget_bucket(bucket);
  auto map = env.backend().shard_map(bucket);
  REQUIRE(map.ok());
  size_t n = 0;
  for (const auto& range : (*map)->ranges) {
    std::string after;
    for (bool more = true; more;) {
      std::map<std::string, librados::bufferlist> names;
      librados::ObjectReadOperation op;
      int rv = 0;
      op.omap_get_vals2(after, "", 1000, &names, &more, &rv);
      REQUIRE(env.backend().index.operate(range.shard.oid, &op, nullptr) == 0);
      for (const auto& [name, value] : names) n += kind == 'L' ? rados::delta_key(name).has_value() : name[0] == kind;
      if (names.empty()) break;
      after = names.rbegin()->first;
    }
  }
  return n;
}

// A packed bucket "b" of 100 empty keys k1000..k1099 compacted into blocks; its first shard.
rados::ShardRef compacted_sample(RadosEnv& env) {
  REQUIRE(env.layer->make_bucket("b").ok());
  for (int i = 0; i < 100; ++i) REQUIRE(env.put("b", "k" + std::to_string(1000 + i), "").ok());
  compact_all(env, "b");
  auto map = env.backend().shard_map("b");
  REQUIRE(map.ok());
  return (*map)->ranges[0].shard;
}

// Shard oid's listing epochs, read now.
rados::ListEpochs epochs_of(RadosEnv& env, const std::string& oid) {
  auto e = rados::read_list_epochs(env.backend(), oid);
  REQUIRE(e.ok());
  return *e;
}

// Every key of bucket "b", walked in pages of 97.
std::vector<std::string> all_keys(ObjectLayer& l) {
  ListParams p;
  p.max_keys = 97;
  std::vector<std::string> out;
  for (const auto& page : walk(l, p)) out.insert(out.end(), page.keys.begin(), page.keys.end());
  return out;
}

// Small shards: a compaction and a split count due every 16 commits to a shard.
RadosEnv small(const std::string& name_space = "") {
  return RadosEnv([&](RadosConfig& c) {
    if (!name_space.empty()) c.name_space = name_space;
    c.split_entries = 200;
  });
}

}  // namespace

TEST_CASE("rados: listing pages equal the erasure backend's", "[rados][listing]") {
  // One shard, and the same keys over up to 8 range shards (rados/shard_map.h); a packed
  // bucket (rados/list_pack.h) read from deltas alone, from blocks cut by the splits, and
  // from blocks and deltas after more writes.
  const int rounds = GENERATE(0, 3);
  const int packing = GENERATE(0, 1, 2);
  INFO("split rounds " << rounds << ", packing " << packing);
  RadosEnv rados;
  StorageEnv erasure;
  REQUIRE(rados.layer->make_bucket("b").ok());
  REQUIRE(erasure.layer->make_bucket("b").ok());
  REQUIRE((*rados.backend().shard_map("b"))->packed);
  for (const auto& k : kKeys) {
    REQUIRE(rados.put("b", k, "x").ok());
    REQUIRE(erasure.put("b", k, "x").ok());
  }
  if (packing > 0) {
    // Keys that come and go: their tombstones, and blocks that once held them.
    for (const char* k : {"a/b/zz", "b/gone", "dir/x/0", "zzz"}) REQUIRE(rados.put("b", k, "x").ok());
    compact_all(rados, "b");
    REQUIRE(count_kind(rados, "b", 'L') == 0);
    REQUIRE(count_kind(rados, "b", 'K') > 0);
    for (const char* k : {"a/b/zz", "b/gone", "dir/x/0", "zzz"}) REQUIRE(rados.layer->delete_object("b", k).ok());
  }
  rados.split_everywhere("b", rounds);
  if (rounds > 0) REQUIRE((*rados.backend().shard_map("b"))->ranges.size() >= 4);
  if (packing == 2) {
    compact_all(rados, "b");
    REQUIRE(count_kind(rados, "b", 'L') == 0);
    for (const char* k : {"a/b/c", "dir/z", "zz/top"}) {  // deltas over blocks: overwritten
      REQUIRE(rados.put("b", k, "x").ok());
      REQUIRE(erasure.put("b", k, "x").ok());
    }
  }
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
  CHECK(r->objects[0].storage_class == "STANDARD");
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

TEST_CASE("rados: packed listing compaction races commits without losing, doubling or resurrecting keys",
          "[rados][listing]") {
  RadosEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  // Each writer owns its keys (so each key's final state is known), puts and deletes them
  // in rounds while another thread keeps compacting the shard.
  constexpr int kWriters = 4, kKeysEach = 150, kRounds = 3;
  std::vector<std::set<std::string>> present(kWriters);
  std::atomic<bool> done{false};
  std::atomic<int> failed{0};
  std::atomic<size_t> folded{0};
  std::thread compactor([&] {
    while (!done) {
      auto map = env.backend().shard_map("b");
      if (!map) {
        ++failed;
        return;
      }
      for (const auto& range : (*map)->ranges) {
        auto n = rados::compact_shard(env.backend(), range.shard, 4);
        if (!n) {
          std::fprintf(stderr, "compact: %s\n", n.error().message.c_str());
          ++failed;
        } else {
          folded += *n;
        }
      }
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int round = 0; round < kRounds; ++round)
        for (int i = 0; i < kKeysEach; ++i) {
          char key[32];
          std::snprintf(key, sizeof key, "k/%03d-%d", i, w);  // writers' keys interleave
          const bool put = rng() % 3 != 0;
          if (put ? !env.put("b", key, std::to_string(round)).ok() : !env.layer->delete_object("b", key).ok())
            ++failed;
          else if (put)
            present[w].insert(key);
          else
            present[w].erase(key);
        }
    });
  for (auto& t : writers) t.join();
  done = true;
  compactor.join();
  REQUIRE(failed == 0);
  CHECK(folded > 0);
  std::set<std::string> want;
  for (const auto& p : present) want.insert(p.begin(), p.end());
  auto listed = [&] {
    std::vector<std::string> got;
    ListParams p;
    p.max_keys = 37;
    for (int page = 0; page < 1000; ++page) {
      auto r = env.layer->list_objects("b", p);
      REQUIRE(r.ok());
      for (const auto& o : r->objects) got.emplace_back(o.key);
      if (!r->truncated) break;
      p.after = r->last;
    }
    return got;
  };
  // From blocks and the deltas left, then from blocks alone: each key once, in order,
  // exactly the keys whose last operation was a PUT.
  auto got = listed();
  CHECK(got == std::vector<std::string>(want.begin(), want.end()));
  compact_all(env, "b");
  CHECK(count_kind(env, "b", 'L') == 0);
  got = listed();
  CHECK(got == std::vector<std::string>(want.begin(), want.end()));
}

TEST_CASE("rados: a corrupt listing block is reported, not skipped", "[rados][listing]") {
  RadosEnv env;
  const rados::ShardRef shard = compacted_sample(env);
  const std::string oid = shard.oid;
  std::set<std::string> blocks;
  {
    std::map<std::string, librados::bufferlist> vals;
    librados::ObjectReadOperation op;
    bool more = false;
    int rv = 0;
    op.omap_get_vals2("", "K", 10, &vals, &more, &rv);
    REQUIRE(env.backend().index.operate(oid, &op, nullptr) == 0);
    for (const auto& [name, v] : vals) blocks.insert(name);
  }
  REQUIRE(blocks.size() >= 2);
  {
    librados::ObjectWriteOperation op;
    op.omap_set({{*blocks.begin(), rados::to_bl(std::string("\x04\x02garbage", 9))}});
    REQUIRE(env.backend().index.operate(oid, &op) == 0);
  }
  auto r = env.layer->list_objects("b", {"", "", "", 1000});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == s3::Code::InternalError);
  CHECK(r.error().message.find("corrupt listing block") != std::string::npos);
  // The compactor does not fold deltas into it either.
  REQUIRE(env.put("b", "k1000", "again").ok());
  CHECK_FALSE(rados::compact_shard(env.backend(), shard, 4).ok());
  // Pages past the corrupt block still list.
  ListParams p;
  p.after = blocks.begin()->substr(1);
  auto past = env.layer->list_objects("b", p);
  REQUIRE(past.ok());
  CHECK_FALSE(past->objects.empty());
}

TEST_CASE("rados: a corrupt listing delta is reported and never folded into a block", "[rados][listing]") {
  RadosEnv env;
  const rados::ShardRef shard = compacted_sample(env);
  // A delta that is neither a listing entry nor a tombstone (a damaged value, or one a
  // bad writer left).
  for (const std::string& bad : {std::string("\x03garbage"), std::string("{\"key\":\"k1050\"}"), std::string()}) {
    INFO(bad);
    {
      librados::ObjectWriteOperation op;
      op.omap_set({{rados::delta_entry(epochs_of(env, shard.oid).current, "k1050"), rados::to_bl(bad)}});
      REQUIRE(env.backend().index.operate(shard.oid, &op) == 0);
    }
    auto r = env.layer->list_objects("b", {"", "", "", 1000});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == s3::Code::InternalError);
    CHECK(r.error().message.find("corrupt listing delta") != std::string::npos);
    // The compactor refuses it, so the block of k1050's neighbours stays readable ...
    auto folded = rados::compact_shard(env.backend(), shard, 4);
    REQUIRE_FALSE(folded.ok());
    CHECK(folded.error().message.find("corrupt listing delta") != std::string::npos);
    CHECK(count_kind(env, "b", 'L') == 1);
    // ... and a new PUT of the key replaces the delta: everything lists and compacts again.
    REQUIRE(env.put("b", "k1050", "again").ok());
    compact_all(env, "b");
    auto all = env.layer->list_objects("b", {"", "", "", 1000});
    REQUIRE(all.ok());
    REQUIRE(all->objects.size() == 100);
    CHECK(all->objects[50].key == "k1050");
    CHECK(all->objects[50].size == 5);
  }
}

namespace {

// The names of shard oid's entries that start with prefix.
std::set<std::string> names_with(RadosEnv& env, const std::string& oid, const std::string& prefix) {
  std::set<std::string> out;
  std::string after;
  for (bool more = true; more;) {
    std::set<std::string> page;
    librados::ObjectReadOperation op;
    int rv = 0;
    op.omap_get_keys2(after, 1000, &page, &more, &rv);
    REQUIRE(env.backend().index.operate(oid, &op, nullptr) == 0);
    for (const auto& n : page)
      if (n.starts_with(prefix)) out.insert(n);
    if (page.empty()) break;
    after = *page.rbegin();
  }
  return out;
}

std::string only_shard(RadosEnv& env, const std::string& bucket) {
  env.backend().forget_bucket(bucket);
  auto map = env.backend().shard_map(bucket);
  REQUIRE(map.ok());
  REQUIRE((*map)->ranges.size() == 1);
  return (*map)->ranges[0].shard.oid;
}

}  // namespace

TEST_CASE("rados: a shard's first deltas are L entries, as before epochs; a compaction moves it to epoch 1",
          "[rados][listing]") {
  // A shard without the lepoch xattr is in epoch 0, whose deltas are named L<key>: every
  // packed bucket written before epochs reads and compacts on (rados/list_epochs.h).
  RadosEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  for (int i = 0; i < 5; ++i) REQUIRE(env.put("b", "k" + std::to_string(i), "").ok());
  const std::string oid = only_shard(env, "b");
  CHECK(names_with(env, oid, "L").size() == 5);
  CHECK(names_with(env, oid, "M").empty());
  CHECK(epochs_of(env, oid) == rados::ListEpochs{0, 0});
  compact_all(env, "b");
  CHECK(epochs_of(env, oid) == rados::ListEpochs{1, 1});
  CHECK(names_with(env, oid, "L").empty());
  REQUIRE(env.put("b", "k9", "").ok());
  CHECK(names_with(env, oid, "M") == std::set<std::string>{rados::delta_entry(1, "k9")});
  CHECK(rados::delta_entry(1, "k9") == std::string("M0000000000000001k9"));
  CHECK(all_keys(*env.layer) == std::vector<std::string>{"k0", "k1", "k2", "k3", "k4", "k9"});
}

TEST_CASE("rados: a page reads the deltas of the epochs not folded, and no other", "[rados][listing]") {
  // What keeps a bucket filled by PUTs listing fast: the folded epochs' ranges, where the
  // OSD keeps the tombstones of every delta the compactor removed, are never read. A
  // corrupt delta placed there is not seen; in the current epoch it is.
  RadosEnv env;
  const rados::ShardRef shard = compacted_sample(env);
  REQUIRE(epochs_of(env, shard.oid) == rados::ListEpochs{1, 1});
  auto put_delta = [&](const std::string& name, const std::string& value) {
    librados::ObjectWriteOperation op;
    op.omap_set({{name, rados::to_bl(value)}});
    REQUIRE(env.backend().index.operate(shard.oid, &op) == 0);
  };
  const std::string garbage = "\x03garbage";
  put_delta(rados::delta_entry(0, "k1050"), garbage);  // folded
  put_delta(rados::delta_entry(2, "k1051"), garbage);  // not yet open
  auto r = env.layer->list_objects("b", {"", "", "", 1000});
  REQUIRE(r.ok());
  CHECK(r->objects.size() == 100);
  put_delta(rados::delta_entry(1, "k1052"), garbage);  // current
  r = env.layer->list_objects("b", {"", "", "", 1000});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("corrupt listing delta") != std::string::npos);
}

TEST_CASE("rados: while an epoch is folded, a page merges it with the current one, the newer delta winning",
          "[rados][listing]") {
  RadosEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  for (int i = 0; i < 10; ++i) REQUIRE(env.put("b", "k" + std::to_string(i), "").ok());
  const std::string oid = only_shard(env, "b");
  std::vector<std::string> during;
  uint64_t k5_size = 0;
  int windows = 0;
  // Before the first window of epoch 0 is folded (epoch 1 open): a delete, an overwrite
  // and a new key, all into epoch 1 over the same keys' deltas in epoch 0.
  env.backend().test_step = [&](std::string_view at) {
    if (at != "compact: fold window" || windows++ > 0) return;
    REQUIRE(epochs_of(env, oid) == rados::ListEpochs{1, 0});
    REQUIRE(env.layer->delete_object("b", "k3").ok());
    REQUIRE(env.put("b", "k5", "longer").ok());
    REQUIRE(env.put("b", "k99", "").ok());
    REQUIRE(names_with(env, oid, "L").size() == 10);
    REQUIRE(names_with(env, oid, "M").size() == 3);
    during = all_keys(*env.layer);
    auto r = env.layer->list_objects("b", {"", "", "", 1000});
    REQUIRE(r.ok());
    for (const auto& o : r->objects)
      if (o.key == "k5") k5_size = o.size;
  };
  compact_all(env, "b");
  env.backend().test_step = nullptr;
  const std::vector<std::string> want{"k0", "k1", "k2", "k4", "k5", "k6", "k7", "k8", "k9", "k99"};
  CHECK(windows == 2);  // epoch 0, then epoch 1 (closed because it had deltas)
  CHECK(during == want);
  CHECK(k5_size == 6);
  CHECK(all_keys(*env.layer) == want);
  CHECK(count_kind(env, "b", 'L') == 0);
  CHECK(epochs_of(env, oid) == rados::ListEpochs{2, 2});
}

TEST_CASE("rados: a gateway whose listing epochs are stale neither misses a delta nor commits into a closed epoch",
          "[rados][listing]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  for (int i = 0; i < 10; ++i) REQUIRE(b.put("b", "k" + std::to_string(100 + i), "").ok());
  REQUIRE(all_keys(*b.layer).size() == 10);  // b now holds epochs 0/0 for the shard
  const std::string oid = only_shard(a, "b");
  compact_all(a, "b");
  REQUIRE(a.put("b", "k150", "").ok());  // a delta in epoch 1
  // b's pages assert nothing, but see the epochs they read by: they read again.
  CHECK(all_keys(*b.layer).size() == 11);
  compact_all(a, "b");  // epoch 1 closed and folded: 2/2
  REQUIRE(epochs_of(a, oid) == rados::ListEpochs{2, 2});
  // b's PUT of a new key goes out blind asserting epoch 1 (its hint), is refused, and
  // commits into epoch 2 after a read; a delta written into epoch 1 would never list.
  REQUIRE(b.put("b", "k200", "").ok());
  CHECK(names_with(a, oid, "M") == std::set<std::string>{rados::delta_entry(2, "k200")});
  RadosEnv c = a.peer();
  auto keys = all_keys(*c.layer);
  CHECK(keys.size() == 12);
  CHECK(std::count(keys.begin(), keys.end(), "k200") == 1);
}

TEST_CASE("rados: deletes in a packed bucket compact their tombstones without PUTs", "[rados][listing]") {
  RadosEnv env;  // default split_entries: a compaction every 256 commits to a shard
  REQUIRE(env.layer->make_bucket("b").ok());
  for (int i = 0; i < 300; ++i) REQUIRE(env.put("b", "k" + std::to_string(1000 + i), "").ok());
  compact_all(env, "b");
  REQUIRE(count_kind(env, "b", 'L') == 0);
  for (int i = 0; i < 300; ++i) REQUIRE(env.layer->delete_object("b", "k" + std::to_string(1000 + i)).ok());
  env.backend().upkeep.drain();
  // The 256th delete compacted: fewer tombstones left than deletes (those after it stay,
  // over what is left of the blocks), and nothing lists.
  CHECK(count_kind(env, "b", 'L') < 300);
  auto r = env.layer->list_objects("b", {"", "", "", 1000});
  REQUIRE(r.ok());
  CHECK(r->objects.empty());
}

TEST_CASE("rados: a page of 1000 over blocks 3/4 full is one read", "[rados][listing]") {
  // The compactor cuts a block at each window's end, and splits cut them too: blocks of a
  // bucket filled by PUTs held 58 keys on average (docs/performance.md). A page that read
  // max-keys / 64 + 2 blocks then needed a second read.
  RadosEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  for (int i = 0; i < 1500; ++i) REQUIRE(env.put("b", "k" + std::to_string(10000 + i), "").ok());
  compact_all(env, "b");
  REQUIRE(count_kind(env, "b", 'L') == 0);
  // The shard's blocks rewritten 48 keys each.
  auto map = env.backend().shard_map("b");
  REQUIRE(map.ok());
  REQUIRE((*map)->ranges.size() == 1);
  const std::string oid = (*map)->ranges[0].shard.oid;
  std::map<std::string, librados::bufferlist> old;
  bool more = false;
  int rv = 0;
  librados::ObjectReadOperation read;
  read.omap_get_vals2("", "K", 1000, &old, &more, &rv);
  REQUIRE(env.backend().index.operate(oid, &read, nullptr) == 0);
  std::vector<BlockEntry> all;
  for (auto& [name, value] : old) {  // c_str() may make a value contiguous: not const
    std::vector<BlockEntry> one;
    REQUIRE(decode_listing_block(std::string_view(value.c_str(), value.length()), name.substr(1), one).ok());
    all.insert(all.end(), one.begin(), one.end());
  }
  REQUIRE(all.size() == 1500);
  std::map<std::string, librados::bufferlist> blocks;
  for (size_t i = 0; i < all.size(); i += 48) {
    std::vector<BlockEntry> chunk(all.begin() + i, all.begin() + std::min(all.size(), i + 48));
    blocks[rados::block_entry(chunk.back().key)].append(encode_listing_block(chunk));
  }
  std::set<std::string> names;
  for (const auto& [name, value] : old) names.insert(name);
  librados::ObjectWriteOperation write;
  write.omap_rm_keys(names);
  write.omap_set(blocks);
  REQUIRE(env.backend().index.operate(oid, &write) == 0);
  int reads = 0;
  env.backend().test_step = [&](std::string_view at) { reads += at == "list: window read"; };
  auto r = env.layer->list_objects("b", {"", "", "", 1000});
  env.backend().test_step = nullptr;
  REQUIRE(r.ok());
  REQUIRE(r->objects.size() == 1000);
  CHECK(r->objects[999].key == "k10999");
  CHECK(r->truncated);
  CHECK(reads == 1);
}

TEST_CASE("rados upkeep: commits only signal it; a gateway stopped with upkeep queued loses nothing",
          "[rados][upkeep][listing]") {
  auto a = std::make_unique<RadosEnv>(small());
  const std::string ns = a->cfg.name_space;
  REQUIRE(a->layer->make_bucket("b").ok());
  // The worker busy: every compaction and split the PUTs make due waits behind this.
  std::atomic<bool> release{false};
  REQUIRE(a->backend().upkeep.post("hold", [&] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }));
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) {
    char k[16];
    std::snprintf(k, sizeof k, "k/%04d", i);
    keys.emplace_back(k);
    REQUIRE(a->put("b", k, "x").ok());
  }
  // Nothing was compacted or split on the committing threads: every delta is still there,
  // in the one shard (300 keys x O, V, D, L entries: far past 200).
  CHECK(count_kind(*a, "b", 'L') == 300);
  CHECK(count_kind(*a, "b", 'K') == 0);
  CHECK(a->backend().shard_map("b").value()->ranges.size() == 1);
  // The gateway stops with that upkeep queued: dropped, and nothing is lost.
  release = true;
  a->backend().upkeep.stop();
  a.reset();
  RadosEnv next = small(ns);
  CHECK(all_keys(*next.layer) == keys);
  // The next gateway's own commits to the bucket get its upkeep done; still every key once.
  for (int i = 0; i < 64; ++i) REQUIRE(next.put("b", keys[static_cast<size_t>(i) * 4], "y").ok());
  next.backend().upkeep.drain();
  CHECK(count_kind(next, "b", 'L') < 300);
  CHECK(count_kind(next, "b", 'K') > 0);
  CHECK(all_keys(*next.layer) == keys);
}
