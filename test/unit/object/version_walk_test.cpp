// for_each_version (object/version_walk.h) against a real erasure object layer: it
// pages through list_object_versions and sees exactly what one listing would.
#include "object/version_walk.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test/unit/storage/storage_env.h"

namespace silt::test {
namespace {

// "key version" for each version visited, delete markers marked.
std::string name(const ObjectInfo& v) {
  return v.key + " " + v.version_id + (v.delete_marker ? " (marker)" : "");
}

// Keys a..e, two versions each, c's latest a delete marker: 11 versions.
void fill(StorageEnv& env) {
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  for (const char* k : {"a", "b", "c", "d", "e"})
    for (int i = 0; i < 2; ++i) REQUIRE(env.put("b", k, random_bytes(10 + i, i)).ok());
  REQUIRE(env.layer->delete_object("b", "c").ok());
}

// What one listing large enough for all of them answers.
std::vector<std::string> listed(StorageEnv& env) {
  VersionListParams p;
  p.max_keys = 1000;
  auto all = env.layer->list_object_versions("b", p);
  REQUIRE(all.ok());
  REQUIRE_FALSE(all->truncated);
  std::vector<std::string> out;
  for (const auto& v : all->versions) out.push_back(name(v));
  return out;
}

}  // namespace

TEST_CASE("version walk: every version in listing order, across pages") {
  StorageEnv env;
  fill(env);
  const auto want = listed(env);
  REQUIRE(want.size() == 11);
  for (int page : {1, 3, 4, 1000}) {
    std::vector<std::string> got;
    int pauses = 0;
    VersionWalkOptions opt;
    opt.page_size = page;
    opt.between_pages = [&] {
      ++pauses;
      return true;
    };
    auto r = for_each_version(
        *env.layer, "b",
        [&](const ObjectInfo& v) {
          got.push_back(name(v));
          return true;
        },
        opt);
    REQUIRE(r.ok());
    CHECK(*r);
    CHECK(got == want);
    CHECK(pauses == (11 + page - 1) / page - 1);  // between pages, not after the last
  }
}

TEST_CASE("version walk: resumes after a key, and stops when asked") {
  StorageEnv env;
  fill(env);
  const auto all = listed(env);

  VersionWalkOptions after_b;
  after_b.start_after_key = "b";
  after_b.page_size = 2;
  std::vector<std::string> got;
  auto r = for_each_version(
      *env.layer, "b",
      [&](const ObjectInfo& v) {
        got.push_back(name(v));
        return true;
      },
      after_b);
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK(got == std::vector<std::string>(all.begin() + 4, all.end()));  // a and b: two versions each

  int visited = 0;
  VersionWalkOptions small;
  small.page_size = 3;
  r = for_each_version(
      *env.layer, "b", [&](const ObjectInfo&) { return ++visited < 5; }, small);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  CHECK(visited == 5);

  visited = 0;
  small.between_pages = [] { return false; };
  r = for_each_version(
      *env.layer, "b",
      [&](const ObjectInfo&) {
        ++visited;
        return true;
      },
      small);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  CHECK(visited == 3);  // the first page, then the pause said stop
}

TEST_CASE("version walk: an empty bucket, a missing one, one deleted mid-walk") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("empty").ok());
  int visited = 0;
  auto count = [&](const ObjectInfo&) {
    ++visited;
    return true;
  };
  auto r = for_each_version(*env.layer, "empty", count);
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK(visited == 0);

  r = for_each_version(*env.layer, "nonesuch", count);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == s3::Code::NoSuchBucket);

  fill(env);
  VersionWalkOptions opt;
  opt.page_size = 4;
  opt.between_pages = [&] {
    // Everything goes, then the bucket: the next page finds no bucket.
    VersionListParams p;
    p.max_keys = 1000;
    auto all = env.layer->list_object_versions("b", p);
    REQUIRE(all.ok());
    for (const auto& v : all->versions) REQUIRE(env.layer->delete_object("b", v.key, v.version_id).ok());
    REQUIRE(env.layer->delete_bucket("b").ok());
    return true;
  };
  visited = 0;
  r = for_each_version(*env.layer, "b", count, opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == s3::Code::NoSuchBucket);
  CHECK(visited == 4);
}

}  // namespace silt::test
