// SILT_BUCKETS: parsed strictly, created through a real erasure object layer, idempotent.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cmd/bootstrap_buckets.h"
#include "test/unit/storage/storage_env.h"

using silt::create_bootstrap_buckets;
using silt::parse_bootstrap_buckets;
using V = std::vector<std::string>;

TEST_CASE("SILT_BUCKETS parsing: commas, blanks, duplicates once") {
  CHECK(*parse_bootstrap_buckets("a-1,b-2,c-3") == V{"a-1", "b-2", "c-3"});
  CHECK(*parse_bootstrap_buckets(" photos , logs,,photos, ") == V{"photos", "logs"});
  CHECK(parse_bootstrap_buckets("")->empty());
}

TEST_CASE("SILT_BUCKETS parsing: invalid and reserved names are errors naming the culprit") {
  auto bad = parse_bootstrap_buckets("good-one,Bad_Name");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == s3::Code::InvalidBucketName);
  CHECK(bad.error().message.find("'Bad_Name'") != std::string::npos);
  CHECK_FALSE(parse_bootstrap_buckets("ab"));
  CHECK_FALSE(parse_bootstrap_buckets("192.168.1.1"));
  auto reserved = parse_bootstrap_buckets("minio");
  REQUIRE_FALSE(reserved);
  CHECK(reserved.error().message.find("reserved") != std::string::npos);
}

TEST_CASE("bootstrap buckets: created once, then left alone with their objects") {
  silt::test::StorageEnv env;
  auto first = create_bootstrap_buckets(*env.layer, {"alpha", "beta"});
  REQUIRE(first);
  CHECK(first->created == V{"alpha", "beta"});
  CHECK(first->existing.empty());
  REQUIRE(env.put("alpha", "kept", "still here"));
  auto again = create_bootstrap_buckets(*env.layer, {"alpha", "beta", "gamma"});
  REQUIRE(again);
  CHECK(again->created == V{"gamma"});
  CHECK(again->existing == V{"alpha", "beta"});
  auto info = env.layer->head_bucket("alpha");
  REQUIRE(info);
  CHECK(info->owner.empty());  // the admin's
  CHECK(env.layer->stat_object("alpha", "kept", "")->size == 10);
  // A bucket another user holds is left as it is, too.
  REQUIRE(env.layer->make_bucket("delta", "alice"));
  auto theirs = create_bootstrap_buckets(*env.layer, {"delta"});
  REQUIRE(theirs);
  CHECK(theirs->existing == V{"delta"});
  CHECK(env.layer->head_bucket("delta")->owner == "alice");
}
