// Storage class transitions on RADOS (rados/transition.h) beyond the conformance suite:
// two gateways moving one version at once, and the throughput figure of docs/cluster.md.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "rados_env.h"

using namespace silt;
using namespace silt::test;

namespace {

// Distinct data ids in the pool of a storage class, in env's namespace.
size_t data_ids(RadosEnv& env, const std::string& storage_class) {
  std::set<std::string> ids;
  librados::IoCtx& io = env.backend().pool_for_class(storage_class)->io;
  for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it)
    ids.insert(it->get_oid().substr(0, it->get_oid().find('.')));
  return ids.size();
}

// JSON lines: compressible as logs are, never repetitive.
std::string log_lines(size_t n) {
  std::string out;
  for (uint64_t i = 0; out.size() < n; ++i)
    out += "{\"ts\": " + std::to_string(1700000000000 + i * 37) + ", \"path\": \"/api/v1/items/" +
           std::to_string(i * 7919 % 1000003) + "\", \"status\": 200}\n";
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("rados: two gateways transitioning one version, one copy stays", "[rados][transition]") {
  RadosEnv env([](RadosConfig& c) { c.gc_grace_ms = 0; });
  auto other = open_rados_object_layer(env.cfg);  // a second gateway on the same namespace
  REQUIRE(other.ok());
  auto& a = *env.layer;
  auto& b = **other;
  REQUIRE(a.make_bucket("b").ok());
  for (int round = 0; round < 4; ++round) {
    const std::string key = "k" + std::to_string(round);
    const std::string text = log_lines(3 * kStripe + 99);
    REQUIRE(env.put("b", key, text).ok());
    std::atomic<int> moved = 0, already = 0, lost = 0;
    auto go = [&](ObjectLayer& l) {
      auto r = l.transition_object("b", key, "", "STANDARD_IA", {});
      if (r && *r == text.size())
        ++moved;
      else if (r && *r == 0)
        ++already;
      else if (!r && r.error().code == s3::Code::NoSuchKey)
        ++lost;  // the other flipped first
    };
    std::thread t1([&] { go(a); }), t2([&] { go(b); });
    t1.join();
    t2.join();
    CHECK(moved == 1);
    CHECK(already + lost == 1);
    CHECK(a.stat_object("b", key, "")->meta.storage_class == "STANDARD_IA");
    CHECK(*env.get("b", key) == text);
  }
  REQUIRE(env.rados().collect_garbage().ok());
  CHECK(data_ids(env, "STANDARD") == 0);     // the old data went to GC
  CHECK(data_ids(env, "STANDARD_IA") == 4);  // one copy per version, the loser's removed
  CHECK(env.shard_entries("b", "I").empty());
}

TEST_CASE("rados: a transition copy longer than the intent timeout renews its intents", "[rados][transition]") {
  RadosEnv env([](RadosConfig& c) {
    c.intent_timeout_ms = 1000;
    c.gc_grace_ms = 0;
  });
  auto other = open_rados_object_layer(env.cfg);  // a second gateway runs the GC passes
  REQUIRE(other.ok());
  auto& gc = dynamic_cast<RadosObjectLayer&>(**other);
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string text = log_lines(14 * kStripe);
  REQUIRE(env.put("b", "k", text).ok());
  // 100 ms per stripe, a GC pass before each: the copy takes at least 1.4 intent
  // timeouts, so intents never renewed are swept from the 11th stripe on and the flip
  // fails (a loaded machine only sweeps them sooner). Renewed at half the timeout, an
  // intent is at most 500 ms plus one stripe's time old when a pass looks: a stripe may
  // take 500 ms (sleep, pass, read and write) before a live copy loses its intents. With
  // 160 ms stripes and a 400 ms timeout that margin was 40 ms, and a loaded machine
  // spent it.
  int chunks = 0;
  auto slow = [&](uint64_t) {
    ++chunks;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(gc.collect_garbage().ok());
  };
  auto moved = env.layer->transition_object("b", "k", "", "STANDARD_IA", slow);
  REQUIRE(moved.ok());
  CHECK(*moved == text.size());
  CHECK(chunks == 14);
  CHECK(env.layer->stat_object("b", "k", "")->meta.storage_class == "STANDARD_IA");
  CHECK(*env.get("b", "k") == text);
  CHECK(env.shard_entries("b", "I").empty());
  REQUIRE(env.rados().collect_garbage().ok());
  CHECK(data_ids(env, "STANDARD") == 0);  // the old data went to GC
  CHECK(data_ids(env, "STANDARD_IA") == 1);
}

// The figure in docs/cluster.md: a 64 MiB version moved between the two classes three
// times each way, 4 MiB stripes. Hidden: run by hand with "[.bench]".
TEST_CASE("rados: transition throughput, 64 MiB", "[.bench]") {
  RadosEnv env([](RadosConfig& c) {
    c.stripe_bytes = 4u << 20;
    c.gc_grace_ms = 0;
  });
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  for (const auto& [name, data] : {std::pair<std::string, std::string>{"JSON lines", log_lines(64u << 20)},
                                   {"random bytes", random_bytes(64u << 20, 3)}}) {
    REQUIRE(env.put("b", "k", data, {}, 1 << 20).ok());
    std::vector<double> to_ia, to_std;
    for (int run = 0; run < 3; ++run)
      for (const char* cls : {"STANDARD_IA", "STANDARD"}) {
        const auto t0 = std::chrono::steady_clock::now();
        auto moved = l.transition_object("b", "k", "", cls, {});
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        REQUIRE(moved.ok());
        REQUIRE(*moved == data.size());
        (std::string(cls) == "STANDARD" ? to_std : to_ia).push_back(static_cast<double>(data.size()) / s / (1 << 20));
        REQUIRE(env.rados().collect_garbage().ok());
      }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf(
        "%s: STANDARD -> STANDARD_IA (zstd 3) %.0f, %.0f, %.0f MiB/s, median %.0f; back %.0f, %.0f, %.0f, "
        "median %.0f MiB/s\n",
        name.c_str(), to_ia[0], to_ia[1], to_ia[2], median(to_ia), to_std[0], to_std[1], to_std[2], median(to_std));
    REQUIRE(l.delete_object("b", "k").ok());
  }
}
