// The lifecycle lease in the cluster (rados/lease.h): taken by one gateway at a time,
// renewed, expiring so another takes it, its cursor written only while held, and what
// status reads from any gateway.
#include <catch2/catch.hpp>
#include <chrono>
#include <list>
#include <thread>

#include "rados/buckets.h"
#include "rados/lease.h"
#include "rados_env.h"

using namespace silt;
using namespace silt::test;

namespace {

void sleep_ms(int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

TEST_CASE("rados lease: one holder at a time, renewal, expiry, fenced writes", "[rados][lease]") {
  RadosEnv env;
  auto other = open_rados_object_layer(env.cfg);  // a second gateway on the same namespace
  REQUIRE(other.ok());
  BucketLeases& a = *env.layer->bucket_leases();
  BucketLeases& b = *(*other)->bucket_leases();
  REQUIRE(env.layer->make_bucket("b").ok());
  constexpr int64_t kLease = 3000;

  // Nobody holds a lease that was never taken.
  auto none = b.read("b");
  REQUIRE(none.ok());
  CHECK(none->holder.empty());
  CHECK(none->cursor.empty());

  auto la = a.take("b", "gw-a", kLease, nullptr);
  REQUIRE(la.ok());
  REQUIRE(*la);
  CHECK((*la)->taken().cursor.empty());
  CHECK((*la)->save("k0100", 100));

  // A second holder is refused while it is held, and told who holds it.
  LeaseState busy;
  auto lb = b.take("b", "gw-b", kLease, &busy);
  REQUIRE(lb.ok());
  CHECK(!*lb);
  CHECK(busy.holder == "gw-a");
  CHECK(busy.cursor == "k0100");
  auto seen = b.read("b");
  REQUIRE(seen.ok());
  CHECK(seen->holder == "gw-a");
  CHECK(seen->scanned == 100);
  CHECK(seen->expires_ms > 0);

  // Renewed at half the duration: held past the first duration, the second holder still refused.
  for (int i = 0; i < 8; ++i) {
    sleep_ms(500);
    REQUIRE((*la)->keep());
  }
  lb = b.take("b", "gw-b", kLease, nullptr);
  REQUIRE(lb.ok());
  CHECK(!*lb);

  // Not renewed: it expires, the second holder takes it and finds the cursor.
  sleep_ms(kLease + 500);
  lb = b.take("b", "gw-b", kLease, nullptr);
  REQUIRE(lb.ok());
  REQUIRE(*lb);
  CHECK((*lb)->taken().cursor == "k0100");
  CHECK((*lb)->taken().scanned == 100);
  CHECK(a.read("b")->holder == "gw-b");

  // The first holder's writes are fenced: its cursor never lands, its renewal fails.
  CHECK(!(*la)->save("k0050", 50));
  CHECK(!(*la)->keep());
  CHECK(b.read("b")->cursor == "k0100");
  CHECK((*lb)->save("k0200", 200));
  (*la)->release();  // a lost lease's release does not free the successor's
  CHECK(b.read("b")->holder == "gw-b");

  // A finished pass clears the cursor and frees the lease.
  (*lb)->finish();
  auto after = a.read("b");
  REQUIRE(after.ok());
  CHECK(after->holder.empty());
  CHECK(after->cursor.empty());
  CHECK(after->scanned == 0);
  auto again = a.take("b", "gw-a", kLease, nullptr);
  REQUIRE(again.ok());
  REQUIRE(*again);
  CHECK((*again)->taken().cursor.empty());
}

TEST_CASE("rados lease: an expired lease nobody took fences its holder too", "[rados][lease]") {
  RadosEnv env;
  BucketLeases& a = *env.layer->bucket_leases();
  REQUIRE(env.layer->make_bucket("b").ok());
  auto la = a.take("b", "gw-a", 2000, nullptr);
  REQUIRE(la.ok());
  REQUIRE(*la);
  REQUIRE((*la)->save("k1", 1));
  sleep_ms(2600);
  CHECK(!(*la)->save("k2", 2));  // assert_locked trims the expired locker
  auto s = a.read("b");
  REQUIRE(s.ok());
  CHECK(s->holder.empty());
  CHECK(s->cursor == "k1");
}

TEST_CASE("rados lease: a released lease keeps its cursor; DeleteBucket removes the lease", "[rados][lease]") {
  RadosEnv env;
  BucketLeases& a = *env.layer->bucket_leases();
  REQUIRE(env.layer->make_bucket("b").ok());
  {
    auto la = a.take("b", "gw-a", 5000, nullptr);
    REQUIRE(la.ok());
    REQUIRE(*la);
    REQUIRE((*la)->save("k7", 7));
  }  // destroyed unfinished: released
  auto s = a.read("b");
  REQUIRE(s.ok());
  CHECK(s->holder.empty());
  CHECK(s->cursor == "k7");
  auto lb = a.take("b", "gw-b", 5000, nullptr);
  REQUIRE(lb.ok());
  REQUIRE(*lb);
  CHECK((*lb)->taken().cursor == "k7");
  REQUIRE(env.layer->delete_bucket("b").ok());
  CHECK(!(*lb)->save("k8", 8));  // the lease object is gone
  CHECK(a.take("b", "gw-a", 5000, nullptr).error().code == s3::Code::NoSuchBucket);
}

TEST_CASE("rados lease: the cursor write itself is fenced by assert_locked", "[rados][lease]") {
  // Within half its duration a holder does not renew, so only the op's assert_locked can
  // refuse its write once the lock was broken and taken by another gateway.
  RadosEnv env;
  auto other = open_rados_object_layer(env.cfg);
  REQUIRE(other.ok());
  REQUIRE(env.layer->make_bucket("b").ok());
  auto la = env.layer->bucket_leases()->take("b", "gw-a", 60000, nullptr);
  REQUIRE(la.ok());
  REQUIRE(*la);
  REQUIRE((*la)->save("k1", 1));
  auto stored = rados::read_bucket(env.backend(), "b");
  REQUIRE(stored.ok());
  const std::string oid = rados::lease_oid(stored->record.id);
  int exclusive = 0;
  std::string tag;
  std::list<librados::locker_t> lockers;
  REQUIRE(env.backend().index.list_lockers(oid, rados::kLeaseLock, &exclusive, &tag, &lockers) == 1);
  REQUIRE(env.backend().index.break_lock(oid, rados::kLeaseLock, lockers.front().client, lockers.front().cookie) == 0);
  auto lb = (*other)->bucket_leases()->take("b", "gw-b", 60000, nullptr);
  REQUIRE(lb.ok());
  REQUIRE(*lb);
  CHECK((*lb)->taken().cursor == "k1");
  CHECK(!(*la)->save("k9", 9));
  auto s = env.layer->bucket_leases()->read("b");
  REQUIRE(s.ok());
  CHECK(s->cursor == "k1");
  CHECK(s->holder == "gw-b");
  (*la)->finish();  // lost: neither clears the cursor nor unlocks the successor
  CHECK(env.layer->bucket_leases()->read("b")->holder == "gw-b");
  CHECK(env.layer->bucket_leases()->read("b")->cursor == "k1");
}
