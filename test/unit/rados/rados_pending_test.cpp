// What the pools hold beside the versions (rados/pending.h) and the bytes G entries record
// (rados/gc.h): the figures the usage cross-check adds to the index's. Against the test
// cluster; the end-to-end check with a ceph-mgr is test/integration/test_rados_usage_check.py.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "rados/frames.h"
#include "rados/gc.h"
#include "rados/pending.h"
#include "rados_env.h"
#include "util/time.h"

using namespace silt;
using silt::test::RadosEnv;
using silt::test::random_bytes;

namespace {

// The G values of bucket b's shards, by entry name.
std::map<std::string, nlohmann::json> gc_values(RadosEnv& env) {
  std::map<std::string, nlohmann::json> out;
  env.backend().forget_bucket("b");
  auto map = env.backend().shard_map("b");
  REQUIRE(map.ok());
  for (const auto& range : (*map)->ranges) {
    std::map<std::string, librados::bufferlist> vals;
    int rv = 0;
    librados::ObjectReadOperation op;
    bool more = false;
    op.omap_get_vals2("", "G", 1000, &vals, &more, &rv);
    REQUIRE(env.backend().index.operate(range.shard.oid, &op, nullptr) == 0);
    for (const auto& [k, v] : vals) out[k] = nlohmann::json::parse(v.to_str());
  }
  return out;
}

PendingPoolData figures(RadosEnv& env, const std::string& pool) {
  auto p = rados::measure_pending(env.backend());
  REQUIRE(p.ok());
  for (const auto& f : p->pools)
    if (f.pool == pool) return f;
  return PendingPoolData{};
}

s3::Result<ObjectInfo> put_part(RadosEnv& env, const std::string& key, const std::string& id, int n,
                                const std::string& data) {
  auto w = env.layer->create_part("b", key, id, n);
  if (!w) return w.error();
  if (auto s = (*w)->write(data.data(), data.size()); !s) return s.error();
  return (*w)->commit({});
}

}  // namespace

TEST_CASE("rados pending: written_size inverts the writers' stored_size exactly", "[rados][pending]") {
  for (auto [k, m] : {std::pair{2, 1}, {4, 2}, {8, 3}, {1, 0}, {1, 2}, {6, 4}})
    for (uint64_t w : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{7}, uint64_t{65535}, uint64_t{65536},
                       uint64_t{3 * 65536 + 100}, uint64_t{1} << 40, (uint64_t{1} << 40) + 12345}) {
      rados::PoolProfile prof;
      prof.k = k;
      prof.m = m;
      CHECK(rados::written_size(rados::stored_size(w, prof), k, m) == w);
    }
}

TEST_CASE("rados pending: G values with bytes, and those of older gateways without", "[rados][pending]") {
  auto [name, value] = rados::gc_objects_item("standard", "abc", 3, uint64_t{150000}, 42);
  auto g = rados::parse_gc_value(value);
  REQUIRE(g);
  CHECK((g->pool == "standard" && g->objects == 3 && g->bytes == uint64_t{150000}));
  auto [name2, old] = rados::gc_objects_item("standard", "abc", 3, std::nullopt, 42);
  CHECK(old == R"({"objects":3,"pool":"standard"})");  // exactly what older gateways wrote
  g = rados::parse_gc_value(old);
  REQUIRE(g);
  CHECK((g->objects == 3 && !g->bytes));
  CHECK_FALSE(rados::parse_gc_value("not json"));

  PendingData d;
  rados::add_gc_entry(d, value);
  rados::add_gc_entry(d, old);
  rados::add_gc_entry(d, "garbage");
  rados::add_intent_entry(d, R"({"pool":"cold","started_ms":1})");
  REQUIRE(d.pools.size() == 2);
  CHECK((d.pools[0].pool == "standard" && d.pools[0].gc_entries == 2 && d.pools[0].gc_objects == 6));
  CHECK((d.pools[0].gc_bytes == 150000 && d.pools[0].gc_unknown_entries == 1 && d.pools[0].gc_unknown_objects == 3));
  CHECK((d.pools[1].pool == "cold" && d.pools[1].intents == 1 && d.pools[1].gc_entries == 0));
}

TEST_CASE("rados pending: replaced, deleted and uploaded data with the bytes their writers wrote", "[rados][pending]") {
  RadosEnv env;  // the default grace: nothing is collected while the test looks
  REQUIRE(env.layer->make_bucket("b").ok());
  const uint64_t first = 3 * silt::test::kStripe + 100, second = 2 * silt::test::kStripe;
  REQUIRE(env.put("b", "k", std::string(first, 'x')).ok());
  REQUIRE(env.put("b", "k", random_bytes(second, 1)).ok());  // the first version's data goes to GC
  auto g = gc_values(env);
  REQUIRE(g.size() == 1);
  CHECK(g.begin()->second == nlohmann::json{{"pool", "standard"}, {"objects", 4}, {"bytes", first}});
  REQUIRE(env.layer->delete_object("b", "k", "", nullptr).ok());
  CHECK(gc_values(env).size() == 2);

  // A compressed class: the G entry records the zstd frames written, not the client's bytes.
  const std::string lines(5 * silt::test::kStripe, 'a');
  auto ia = env.layer->create_object("b", "ia", {}, "STANDARD_IA");
  REQUIRE(ia.ok());
  REQUIRE((*ia)->write(lines.data(), lines.size()).ok());
  auto ia_info = (*ia)->commit({});
  REQUIRE(ia_info.ok());
  const uint64_t frames = rados::written_size(ia_info->stored_bytes, 2, 1);
  CHECK(frames < lines.size() / 10);
  REQUIRE(env.layer->delete_object("b", "ia", "", nullptr).ok());

  // An upload with two parts, one re-uploaded: the replaced part goes to GC, the others are open.
  auto up = env.layer->create_upload("b", "mp", {});
  REQUIRE(up.ok());
  REQUIRE(put_part(env, "mp", up->upload_id, 1, random_bytes(2 * silt::test::kStripe, 2)).ok());
  REQUIRE(put_part(env, "mp", up->upload_id, 2, random_bytes(1000, 3)).ok());
  REQUIRE(put_part(env, "mp", up->upload_id, 2, random_bytes(3000, 4)).ok());

  auto std_pool = figures(env, "standard");
  CHECK(std_pool.gc_entries == 3);  // 2 versions, then the replaced part 2
  CHECK(std_pool.gc_bytes == first + second + 1000);
  CHECK(std_pool.gc_objects == 4 + 2 + 1);
  CHECK(std_pool.gc_unknown_entries == 0);
  CHECK(std_pool.part_entries == 2);
  CHECK(std_pool.part_bytes == 2 * silt::test::kStripe + 3000);
  CHECK(std_pool.part_objects == 3);
  CHECK(std_pool.intents == 0);
  auto cold = figures(env, "cold");
  CHECK((cold.gc_entries == 1 && cold.gc_bytes == frames && cold.gc_objects == 5));

  // Aborted: its parts are GC's now, due at once (as the replaced part was: no reader needs
  // a part); a GC pass removes them and their entries, the versions' wait for the grace.
  REQUIRE(env.layer->abort_upload("b", "mp", up->upload_id).ok());
  std_pool = figures(env, "standard");
  CHECK((std_pool.part_entries == 0 && std_pool.part_bytes == 0));
  CHECK(std_pool.gc_bytes == first + second + 1000 + 2 * silt::test::kStripe + 3000);
  REQUIRE(env.rados().collect_garbage().ok());
  std_pool = figures(env, "standard");
  CHECK((std_pool.gc_entries == 2 && std_pool.gc_bytes == first + second));
}

TEST_CASE("rados pending: a dead writer's intent counts in flight, then its swept data with the bytes probed",
          "[rados][pending]") {
  RadosEnv env([](RadosConfig& c) {
    c.intent_timeout_ms = 300;
    c.gc_grace_ms = 60 * 60 * 1000;  // the swept entry is due at once all the same
  });
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data(3 * silt::test::kStripe + 100, 'x');
  {
    auto w = env.layer->create_object("b", "k", {}, "");
    REQUIRE(w.ok());
    REQUIRE((*w)->write(data.data(), data.size()).ok());
    (void)w->release();  // the gateway dies here: no commit, no destructor
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // in-flight writes land
  auto f = figures(env, "standard");
  CHECK((f.intents == 1 && f.gc_entries == 0));
  // The sweeper turns the intent into a G entry due now, with the bytes it stat'ed; the
  // next collection removes both.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto map = env.backend().shard_map("b");
  REQUIRE(map.ok());
  auto swept = rados::sweep_intents(env.backend(), (*map)->ranges[0].shard.oid, now_ms());
  REQUIRE(swept.ok());
  CHECK(*swept == 1);
  auto g = gc_values(env);
  REQUIRE(g.size() == 1);
  // The writer still buffered the last 100 bytes when it died: 3 full stripes reached the pool.
  CHECK(g.begin()->second["objects"] == 3);
  CHECK(g.begin()->second["bytes"] == 3 * silt::test::kStripe);  // what stat saw
  f = figures(env, "standard");
  CHECK((f.intents == 0 && f.gc_bytes == 3 * silt::test::kStripe));
  REQUIRE(env.rados().collect_garbage().ok());
  f = figures(env, "standard");
  CHECK((f.gc_entries == 0 && f.gc_bytes == 0));
}
