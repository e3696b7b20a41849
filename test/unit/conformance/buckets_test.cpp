// Bucket ownership through any backend: recorded at creation, kept through rewrites of
// the bucket record and restarts, deciding which CreateBucket error a taken name gets.
#include <catch2/catch.hpp>

#include "env.h"

using namespace silt;

TEST_CASE("make_bucket records its owner; the admin's buckets record none") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("mine", "alice").ok());
  REQUIRE(env.layer->make_bucket("admins").ok());
  CHECK(env.layer->head_bucket("mine")->owner == "alice");
  CHECK(env.layer->head_bucket("admins")->owner.empty());

  SECTION("a taken name: owned by you, or by someone else") {
    CHECK(env.layer->make_bucket("mine", "alice").error().code == s3::Code::BucketAlreadyOwnedByYou);
    CHECK(env.layer->make_bucket("mine", "bob").error().code == s3::Code::BucketAlreadyExists);
    CHECK(env.layer->make_bucket("mine").error().code == s3::Code::BucketAlreadyExists);
    CHECK(env.layer->make_bucket("admins").error().code == s3::Code::BucketAlreadyOwnedByYou);
    CHECK(env.layer->make_bucket("admins", "alice").error().code == s3::Code::BucketAlreadyExists);
    CHECK(env.layer->head_bucket("mine")->owner == "alice");
  }

  SECTION("a versioning change rewrites the record and keeps the owner, as does a reopen") {
    REQUIRE(env.layer->set_versioning("mine", Versioning::Enabled).ok());
    env.reopen();
    auto info = env.layer->head_bucket("mine");
    REQUIRE(info.ok());
    CHECK(info->owner == "alice");
    CHECK(info->versioning == Versioning::Enabled);
    auto list = env.layer->list_buckets();
    REQUIRE(list.ok());
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].name == "admins");
    CHECK((*list)[0].owner.empty());
    CHECK((*list)[1].owner == "alice");
  }
}

TEST_CASE("set_bucket_owner gives a bucket to another user or the admin, durably") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("bobs", "bob").ok());
  REQUIRE(env.layer->set_versioning("bobs", Versioning::Enabled).ok());
  REQUIRE(env.layer->set_bucket_owner("bobs", "alice").ok());
  CHECK(env.layer->head_bucket("bobs")->owner == "alice");
  REQUIRE(env.layer->set_bucket_owner("bobs", "").ok());
  env.reopen();
  auto info = env.layer->head_bucket("bobs");
  REQUIRE(info.ok());
  CHECK(info->owner.empty());
  CHECK(info->versioning == Versioning::Enabled);  // the rest of the record is kept
  CHECK(env.layer->set_bucket_owner("nope", "alice").error().code == s3::Code::NoSuchBucket);
}
