// The usage cross-check's arithmetic (server/ops/usage_check.h) on the figures a test cluster
// gives: EC 2+1 pools with 8 KiB stripes, STORED padded to them. The end-to-end check against a
// real ceph-mgr is test/integration/test_rados_usage_check.py.
#include <catch2/catch.hpp>

#include "server/ops/usage_check.h"

using namespace silt;
using namespace silt::server;

namespace {

ClusterState two_pools() {
  ClusterState s;
  s.reachable = true;
  s.mgr_available = true;
  ClusterPool index;
  index.name = "silt.meta";
  index.index = true;
  ClusterPool std_pool;
  std_pool.name = "silt.std";
  std_pool.silt_pools = {"standard"};
  std_pool.storage_classes = {"STANDARD"};
  std_pool.erasure = true;
  std_pool.k = 2;
  std_pool.m = 1;
  std_pool.stripe_width = 8192;
  ClusterPool cold = std_pool;
  cold.name = "silt.cold";
  cold.silt_pools = {"cold"};
  cold.storage_classes = {"STANDARD_IA", "GLACIER_IR"};
  s.pools = {index, std_pool, cold};
  return s;
}

// The backend reported nothing awaiting GC and no open uploads.
s3::Result<PendingData> none() {
  return PendingData{};
}

lifecycle::ClassUsage usage(std::string cls, std::string pool, uint64_t objects, uint64_t logical, uint64_t stored,
                            uint64_t inline_objects = 0, uint64_t inline_bytes = 0) {
  lifecycle::ClassUsage u;
  u.storage_class = std::move(cls);
  u.pool = std::move(pool);
  u.objects = objects;
  u.logical_bytes = logical;
  u.stored_bytes = stored;
  u.inline_objects = inline_objects;
  u.inline_bytes = inline_bytes;
  return u;
}

}  // namespace

TEST_CASE("usage check: unavailable without pool statistics, never 0") {
  ClusterState s = two_pools();
  s.mgr_available = false;
  auto checks = check_pool_usage(s, {}, {usage("STANDARD", "standard", 1, 100000, 150000)}, none());
  REQUIRE(checks.size() == 2);  // the index pool is not checked
  CHECK(checks[0].pool == "silt.std");
  CHECK(checks[0].index_pool_bytes == 100000);
  CHECK(checks[0].verdict == UsageVerdict::Unavailable);
  CHECK_FALSE(checks[0].pool_stored_bytes);
  CHECK_FALSE(checks[0].difference_bytes);
  CHECK_FALSE(checks[0].flagged());
  CHECK(checks[0].note.find("ceph-mgr") != std::string::npos);

  // A mgr that was there: the figures `df` gave stay out once the monitors stop answering.
  s = two_pools();
  s.pools[1].stored_bytes = 106496;
  s.pools[1].objects = 1;
  s.reachable = false;
  s.error = "no answer from the monitors for 20 s";
  checks = check_pool_usage(s, {}, {usage("STANDARD", "standard", 1, 100000, 150000)}, none());
  CHECK(checks[0].verdict == UsageVerdict::Unavailable);
  CHECK_FALSE(checks[0].pool_stored_bytes);
  CHECK(checks[0].note.find("20 s") != std::string::npos);
}

TEST_CASE("usage check: like with like, within one stripe of padding per object") {
  ClusterState s = two_pools();
  // 100000 bytes written as one object (stored 150000 with EC 2+1): Ceph pads to 13 stripes.
  // Two inlined versions of 3000 bytes each live in the index pool.
  s.pools[1].stored_bytes = 106496;
  s.pools[1].used_bytes = 159744;
  s.pools[1].objects = 1;
  // cold: 3 MiB of JSON that the gateway's zstd wrote as 300001 bytes in 3 objects.
  s.pools[2].stored_bytes = 3 * 8192 * 13;  // each object padded; BlueStore's own compression not counted
  s.pools[2].objects = 3;
  std::vector<PoolInfo> pools = {{"standard", 2, 1, 4u << 20, 0, 20, 3, {"STANDARD"}},
                                 {"cold", 2, 1, 4u << 20, 3, 10, 3, {"STANDARD_IA", "GLACIER_IR"}}};
  auto checks = check_pool_usage(s, pools,
                                 {usage("STANDARD", "standard", 3, 106000, 156000, 2, 6000),
                                  usage("STANDARD_IA", "cold", 2, 2u << 20, 450001),  // 300001 written
                                  usage("GLACIER_IR", "cold", 1, 1000, 1000, 1, 1000)},
                                 none());
  REQUIRE(checks.size() == 2);
  const auto& st = checks[0];
  CHECK(st.index_objects == 3);
  CHECK(st.inline_objects == 2);
  CHECK(st.index_pool_bytes == 100000);
  CHECK(*st.difference_bytes == 6496);
  CHECK(*st.tolerance_bytes == 8193);
  CHECK(st.verdict == UsageVerdict::Agrees);
  CHECK_FALSE(st.flagged());
  CHECK(st.note.empty());
  const auto& cold = checks[1];
  CHECK(cold.zstd_level == 3);
  REQUIRE(cold.classes.size() == 2);
  CHECK(cold.classes[0].storage_class == "GLACIER_IR");
  CHECK(cold.index_pool_bytes == 300000);
  CHECK(cold.inline_objects == 1);
  CHECK(cold.verdict == UsageVerdict::Agrees);

  SECTION("a stray object beyond the tolerance: the pool holds more") {
    s.pools[1].stored_bytes = 106496 + 1048576;
    s.pools[1].objects = 2;
    auto c = check_pool_usage(s, pools, {usage("STANDARD", "standard", 3, 106000, 156000, 2, 6000)}, none());
    CHECK(c[0].verdict == UsageVerdict::PoolHoldsMore);
    CHECK(c[0].flagged());
    CHECK(c[0].note.find("silt admin rados orphans") != std::string::npos);
  }
  SECTION("less than the index names: flagged at once (padding only adds)") {
    s.pools[1].stored_bytes = 99999;
    auto c = check_pool_usage(s, pools, {usage("STANDARD", "standard", 3, 106000, 156000, 2, 6000)}, none());
    CHECK(c[0].verdict == UsageVerdict::PoolHoldsLess);
    CHECK(*c[0].difference_bytes == -1);
  }
  SECTION("exactly one stripe and a byte per object more: still agrees; one byte beyond: flagged") {
    s.pools[1].stored_bytes = 100000 + 8193;
    CHECK(check_pool_usage(s, pools, {usage("STANDARD", "standard", 3, 106000, 156000, 2, 6000)}, none())[0].verdict ==
          UsageVerdict::Agrees);
    s.pools[1].stored_bytes = 100000 + 8194;
    CHECK(check_pool_usage(s, pools, {usage("STANDARD", "standard", 3, 106000, 156000, 2, 6000)}, none())[0].verdict ==
          UsageVerdict::PoolHoldsMore);
  }
}

TEST_CASE("usage check: the index's bytes in the pool are the writers' floor of written*(k+m)/k, inverted") {
  ClusterState s = two_pools();
  s.pools[1].stored_bytes = 0;
  s.pools[1].objects = 0;
  // Per bucket entries of one class are summed: 7 and 5 bytes written give stored 10 and 7.
  auto c = check_pool_usage(s, {}, {usage("STANDARD", "standard", 1, 7, 10), usage("STANDARD", "standard", 1, 5, 7)},
                            none());
  REQUIRE(c[0].classes.size() == 1);
  CHECK(c[0].classes[0].objects == 2);
  CHECK(c[0].index_pool_bytes == 11);  // floor(17 * 2 / 3): under one byte short per stretch
  CHECK(c[0].verdict == UsageVerdict::PoolHoldsLess);
  // Near the top of uint64: no overflow in the multiplication.
  const uint64_t big = (uint64_t{1} << 62) * 3;
  c = check_pool_usage(s, {}, {usage("STANDARD", "standard", 1, 0, big)}, none());
  CHECK(c[0].index_pool_bytes == (uint64_t{1} << 63));
}

namespace {

PendingPoolData pending_in(std::string pool, uint64_t gc_bytes, uint64_t part_bytes) {
  PendingPoolData p;
  p.pool = std::move(pool);
  p.gc_entries = p.gc_objects = gc_bytes ? 1 : 0;
  p.gc_bytes = gc_bytes;
  p.part_entries = p.part_objects = part_bytes ? 1 : 0;
  p.part_bytes = part_bytes;
  return p;
}

}  // namespace

TEST_CASE("usage check: data awaiting GC and open uploads' parts are accounted for, stray data is not") {
  ClusterState s = two_pools();
  // The index names one version of 100000 bytes; a replaced one of 50000 awaits GC and an
  // open upload holds a part of 20000: three objects, each padded to 8 KiB stripes.
  s.pools[1].stored_bytes = 106496 + 57344 + 24576;
  s.pools[1].objects = 3;
  s.pools[2].stored_bytes = 0;
  s.pools[2].objects = 0;
  const auto classes = std::vector<lifecycle::ClassUsage>{usage("STANDARD", "standard", 1, 100000, 150000)};
  PendingData pending;
  pending.pools = {pending_in("standard", 50000, 20000)};

  SECTION("before they were counted, the same pool was a false alarm") {
    auto c = check_pool_usage(s, {}, classes,
                              s3::Error(s3::Code::NotImplemented, "this storage cluster does not report them"));
    CHECK(c[0].verdict == UsageVerdict::PoolHoldsMore);
    CHECK_FALSE(c[0].pending);
    CHECK(c[0].accounted_bytes == 100000);
    CHECK(c[0].note.find("not known: this storage cluster does not report them") != std::string::npos);
  }
  SECTION("counted: it agrees, and says how much awaits GC and sits in open uploads") {
    auto c = check_pool_usage(s, {}, classes, pending);
    CHECK(c[0].verdict == UsageVerdict::Agrees);
    REQUIRE(c[0].pending);
    CHECK((c[0].pending->gc_bytes == 50000 && c[0].pending->part_bytes == 20000));
    CHECK(c[0].accounted_bytes == 170000);
    CHECK(*c[0].difference_bytes == 188416 - 170000);
    CHECK(c[0].note.empty());
    CHECK(c[1].verdict == UsageVerdict::Agrees);  // the other pool's figures stay its own
    CHECK((c[1].pending && c[1].pending->gc_bytes == 0));
  }
  SECTION("a stray megabyte beside them is still flagged, writes in flight named") {
    s.pools[1].stored_bytes = *s.pools[1].stored_bytes + 1048576;
    s.pools[1].objects = 4;
    pending.pools[0].intents = 2;
    auto c = check_pool_usage(s, {}, classes, pending);
    CHECK(c[0].verdict == UsageVerdict::PoolHoldsMore);
    CHECK(c[0].flagged());
    CHECK(c[0].note.find("2 writes in flight") != std::string::npos);
    CHECK(c[0].note.find("silt admin rados orphans") != std::string::npos);
  }
  SECTION("pending data in another pool's silt pool does not excuse this one") {
    pending.pools[0].pool = "cold";
    auto c = check_pool_usage(s, {}, classes, pending);
    CHECK(c[0].verdict == UsageVerdict::PoolHoldsMore);
    CHECK(c[1].verdict == UsageVerdict::PoolHoldsLess);  // cold stores nothing of the 70000
  }
  SECTION("GC entries of older gateways have no bytes: unknown, neither agreeing nor flagged") {
    pending.pools[0].gc_bytes = 0;  // the replaced version's entry came from an older gateway
    pending.pools[0].gc_unknown_entries = 1;
    pending.pools[0].gc_unknown_objects = 1;
    auto c = check_pool_usage(s, {}, classes, pending);
    CHECK(c[0].verdict == UsageVerdict::Unknown);
    CHECK(usage_verdict_name(c[0].verdict) == "unknown");
    CHECK_FALSE(c[0].flagged());
    CHECK(c[0].note.find("1 GC entries (1 objects) written by older gateways") != std::string::npos);
    // Once the pool agrees all the same (the entries' data is gone), it agrees, and says why it may not.
    s.pools[1].stored_bytes = 106496 + 24576;
    s.pools[1].objects = 2;
    c = check_pool_usage(s, {}, classes, pending);
    CHECK(c[0].verdict == UsageVerdict::Agrees);
    CHECK(c[0].note.find("older gateways") != std::string::npos);
  }
}
