// Durability through any backend: everything acknowledged before a restart is there,
// byte for byte, after it (and after a second one), and a restart leaks nothing.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "env.h"
#include "util/hash.h"

using namespace silt;
using silt::conformance::kBlock;
using silt::conformance::random_bytes;

TEST_CASE("the registry names each backend once", "[registry]") {
  const auto& all = silt::conformance::registered_backends();
  REQUIRE_FALSE(all.empty());
  std::set<std::string> names;
  for (const auto& f : all) {
    CHECK_FALSE(f.name.empty());
    CHECK(names.insert(f.name).second);
    CHECK(f.make);
  }
}

TEST_CASE("every skipped case names a case of the suite", "[registry]") {
  std::set<std::string> cases;
  for (const auto& tc : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) cases.insert(tc.name);
  for (const auto& f : silt::conformance::registered_backends())
    for (const auto& s : f.skipped) {
      INFO("backend " << f.name << " skips '" << s.test_case << "'");
      CHECK(cases.count(s.test_case) == 1);
      CHECK_FALSE(s.reason.empty());
    }
}

TEST_CASE("every acknowledged change survives restarts", "[durability]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("plain").ok());
  REQUIRE(env.layer->make_bucket("vers", "alice").ok());
  REQUIRE(env.layer->set_versioning("vers", Versioning::Enabled).ok());
  REQUIRE(env.layer->put_bucket_config("vers", "lifecycle", "<LifecycleConfiguration/>").ok());

  std::map<std::string, std::string> plain;  // key -> data
  for (size_t size : {size_t{0}, size_t{kBlock}, size_t{3 * kBlock + 5}})
    plain["k" + std::to_string(size)] = random_bytes(size, static_cast<unsigned>(size));
  ObjectMeta meta;
  meta.content_type = "text/csv";
  meta.user = {{"team", "lake"}};
  meta.tags = {{"t", "1"}};
  meta.acl = "public-read";
  for (const auto& [k, d] : plain) REQUIRE(env.put("plain", k, d, 1000, meta).ok());
  REQUIRE(env.put("plain", "ia", "infrequent", 1000, {}, "STANDARD_IA").ok());
  REQUIRE(env.put("plain", "gone", "deleted before the restart").ok());
  REQUIRE(env.layer->delete_object("plain", "gone").ok());

  auto v1 = env.put("vers", "k", "one");
  auto v2 = env.put("vers", "k", "two");
  REQUIRE(v1.ok());
  REQUIRE(v2.ok());
  auto marker = env.layer->delete_object("vers", "k");
  REQUIRE(marker.ok());

  auto up = env.layer->create_upload("vers", "mp", {});
  REQUIRE(up.ok());
  const std::string part = random_bytes(kBlock + 1, 9);
  REQUIRE(env.put_part("vers", "mp", up->upload_id, 1, part).ok());
  const size_t items = env.data_items();
  CHECK(items == plain.size() + 1 + 3 + 1);  // plain objects and ia, two versions and the marker, one part

  for (int restart = 1; restart <= 2; ++restart) {
    INFO("restart " << restart);
    env.reopen();
    auto buckets = env.layer->list_buckets();
    REQUIRE(buckets.ok());
    REQUIRE(buckets->size() == 2);
    CHECK((*buckets)[0].name == "plain");
    CHECK((*buckets)[1].owner == "alice");
    CHECK((*buckets)[1].versioning == Versioning::Enabled);
    CHECK(**env.layer->get_bucket_config("vers", "lifecycle") == "<LifecycleConfiguration/>");

    for (const auto& [k, d] : plain) {
      INFO("key " << k);
      auto st = env.layer->stat_object("plain", k);
      REQUIRE(st.ok());
      CHECK(st->etag == hex_encode(md5_raw(d)));
      CHECK(st->meta.content_type == "text/csv");
      CHECK(st->meta.user == meta.user);
      CHECK(st->meta.tags == meta.tags);
      CHECK(st->meta.acl == "public-read");
      CHECK(*env.get("plain", k) == d);
    }
    CHECK(env.layer->stat_object("plain", "ia")->meta.storage_class == "STANDARD_IA");
    CHECK(*env.get("plain", "ia") == "infrequent");
    CHECK(env.layer->stat_object("plain", "gone").error().code == s3::Code::NoSuchKey);

    auto hidden = env.layer->stat_object("vers", "k");
    REQUIRE_FALSE(hidden.ok());
    CHECK(hidden.error().extra.at("VersionId") == marker->version_id);
    CHECK(*env.get_version("vers", "k", v1->version_id) == "one");
    CHECK(*env.get_version("vers", "k", v2->version_id) == "two");
    auto versions = env.layer->list_object_versions("vers", {});
    REQUIRE(versions.ok());
    REQUIRE(versions->versions.size() == 3);
    CHECK(versions->versions[0].delete_marker);
    CHECK(versions->versions[2].version_id == v1->version_id);

    auto parts = env.layer->list_parts("vers", "mp", up->upload_id, 0, 10);
    REQUIRE(parts.ok());
    REQUIRE(parts->parts.size() == 1);
    CHECK(parts->parts[0].etag == hex_encode(md5_raw(part)));
    CHECK(parts->parts[0].size == part.size());

    CHECK(env.data_items() == items);
    CHECK(env.temp_items() == 0);
  }
  auto done = env.layer->complete_upload("vers", "mp", up->upload_id, {{1, hex_encode(md5_raw(part))}});
  REQUIRE(done.ok());
  env.reopen();
  CHECK(*env.get("vers", "mp") == part);
}
