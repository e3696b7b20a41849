// Buckets on RADOS: records and configs in the root object, one shard per bucket,
// delete only when empty, and the configuration refusals of open_rados_object_layer.
#include <catch2/catch.hpp>

#include "rados/buckets.h"
#include "rados_env.h"

using namespace silt;
using silt::test::RadosEnv;

TEST_CASE("rados: bucket create, head, list, owner, exists", "[rados][bucket]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("alpha", "alice").ok());
  REQUIRE(l.make_bucket("beta").ok());
  auto again = l.make_bucket("alpha", "alice");
  REQUIRE(!again.ok());
  CHECK(again.error().code == s3::Code::BucketAlreadyOwnedByYou);
  auto taken = l.make_bucket("alpha", "bob");
  REQUIRE(!taken.ok());
  CHECK(taken.error().code == s3::Code::BucketAlreadyExists);

  auto h = l.head_bucket("alpha");
  REQUIRE(h.ok());
  CHECK(h->owner == "alice");
  CHECK(h->versioning == Versioning::Unversioned);
  CHECK(h->created_ms > 0);
  CHECK(l.head_bucket("gamma").error().code == s3::Code::NoSuchBucket);

  auto list = l.list_buckets();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "alpha");
  CHECK((*list)[1].name == "beta");

  REQUIRE(l.set_bucket_owner("alpha", "").ok());
  CHECK(l.head_bucket("alpha")->owner == "");
  CHECK(l.set_bucket_owner("gamma", "x").error().code == s3::Code::NoSuchBucket);

  // A second gateway (another process in production) sees the same buckets.
  RadosEnv other = env.peer();
  CHECK(other.layer->head_bucket("beta").ok());
  CHECK(other.layer->make_bucket("beta").error().code == s3::Code::BucketAlreadyOwnedByYou);
}

TEST_CASE("rados: bucket configs live with the bucket and go with it", "[rados][bucket]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  auto none = l.get_bucket_config("b", "cors");
  REQUIRE(none.ok());
  CHECK(!none->has_value());
  REQUIRE(l.put_bucket_config("b", "cors", "<CORSConfiguration/>").ok());
  REQUIRE(l.put_bucket_config("b", "policy", "{\"Version\":\"2012-10-17\"}").ok());
  CHECK(l.get_bucket_config("b", "cors")->value() == "<CORSConfiguration/>");
  REQUIRE(l.put_bucket_config("b", "cors", "<CORSConfiguration><CORSRule/></CORSConfiguration>").ok());
  CHECK(l.get_bucket_config("b", "cors")->value() == "<CORSConfiguration><CORSRule/></CORSConfiguration>");
  REQUIRE(l.delete_bucket_config("b", "cors").ok());
  CHECK(!l.get_bucket_config("b", "cors")->has_value());
  CHECK(l.get_bucket_config("b", "policy")->has_value());
  CHECK(l.put_bucket_config("nope", "cors", "x").error().code == s3::Code::NoSuchBucket);
  CHECK(l.get_bucket_config("nope", "cors").error().code == s3::Code::NoSuchBucket);

  REQUIRE(l.delete_bucket("b").ok());
  REQUIRE(l.make_bucket("b").ok());
  CHECK(!l.get_bucket_config("b", "policy")->has_value());  // the old bucket's config is gone
}

TEST_CASE("rados: bucket delete only when empty; a re-created bucket starts empty", "[rados][bucket]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  const std::string old_shard = env.backend().shard_for("b", "")->oid;
  REQUIRE(env.put("b", "k", "data").ok());
  auto busy = l.delete_bucket("b");
  REQUIRE(!busy.ok());
  CHECK(busy.error().code == s3::Code::BucketNotEmpty);
  // The refused delete reopened the shard: writes go on.
  REQUIRE(env.put("b", "k2", "more").ok());
  REQUIRE(l.delete_object("b", "k", "", nullptr).ok());
  REQUIRE(l.delete_object("b", "k2", "", nullptr).ok());
  REQUIRE(l.delete_bucket("b").ok());
  CHECK(l.head_bucket("b").error().code == s3::Code::NoSuchBucket);
  CHECK(l.delete_bucket("b").error().code == s3::Code::NoSuchBucket);
  uint64_t size = 0;
  time_t mtime = 0;
  CHECK(env.backend().index.stat(old_shard, &size, &mtime) == -ENOENT);  // no orphan shard

  REQUIRE(l.make_bucket("b").ok());
  CHECK(env.backend().shard_for("b", "")->oid != old_shard);
  auto list = l.list_objects("b", {});
  REQUIRE(list.ok());
  CHECK(list->objects.empty());
}

TEST_CASE("rados: a write in flight keeps its bucket; a write after the delete gets NoSuchBucket", "[rados][bucket]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  auto w = l.create_object("b", "big", {}, "");
  REQUIRE(w.ok());
  std::string stripe(test::kStripe, 'x');
  REQUIRE((*w)->write(stripe.data(), stripe.size()).ok());  // a data object and its intent exist now
  CHECK(l.delete_bucket("b").error().code == s3::Code::BucketNotEmpty);
  w->reset();  // abandoned: its data and intent go
  CHECK(env.shard_entries("b", "I").empty());
  REQUIRE(l.delete_bucket("b").ok());

  // A gateway that still has the bucket cached learns it is gone.
  CHECK(env.put("b", "k", "data").error().code == s3::Code::NoSuchBucket);
  CHECK(l.stat_object("b", "k", "").error().code == s3::Code::NoSuchBucket);
  CHECK(l.list_objects("b", {}).error().code == s3::Code::NoSuchBucket);
}

TEST_CASE("rados: open refuses what it cannot serve", "[rados][config]") {
  auto refused = [](const std::function<void(RadosConfig&)>& tweak) {
    RadosConfig c = default_rados_config(test::ceph_conf() ? test::ceph_conf() : "");
    c.gc_interval_ms = 0;
    tweak(c);
    auto l = open_rados_object_layer(c);
    REQUIRE(!l.ok());
    return l.error().message;
  };
  CHECK_THAT(refused([](RadosConfig& c) { c.pools[0].rados_pool = "no-such-pool"; }),
             Catch::Contains("no-such-pool does not exist"));
  CHECK_THAT(refused([](RadosConfig& c) { c.index_pool = "silt.std"; }), Catch::Contains("replicated"));
  CHECK_THAT(refused([](RadosConfig& c) { c.pools[1].zstd_level = 20; }), Catch::Contains("zstd_level"));
  CHECK_THAT(refused([](RadosConfig& c) {
               c.storage_classes = {{"STANDARD_IA", "cold"}};
             }),
             Catch::Contains("STANDARD must be mapped"));
  CHECK_THAT(refused([](RadosConfig& c) { c.storage_classes.emplace_back("GLACIER", "cold"); }),
             Catch::Contains("RestoreObject"));
  CHECK_THAT(refused([](RadosConfig& c) { c.stripe_bytes = 100; }), Catch::Contains("stripe_bytes"));
}

TEST_CASE("rados: pools report the cluster's EC profile", "[rados][config]") {
  RadosEnv env;
  auto pools = env.layer->pools();
  REQUIRE(pools.size() == 2);
  CHECK(pools[0].name == "standard");
  CHECK(pools[0].k == 2);  // silt.std: EC 2+1 ISA-L (scripts/ceph_cluster_admin.py)
  CHECK(pools[0].m == 1);
  CHECK(env.layer->has_storage_class("STANDARD_IA"));
  CHECK(!env.layer->has_storage_class("GLACIER"));
}
