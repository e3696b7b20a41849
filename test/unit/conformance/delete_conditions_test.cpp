// Conditional deletes through any backend (ObjectLayer::delete_object_if): If-Match,
// size and Last-Modified compared with the current version in the delete's own commit.
#include <atomic>
#include <catch2/catch.hpp>
#include <optional>
#include <thread>

#include "env.h"

using namespace silt;

namespace {

DeleteConditions if_match(std::string etag) {
  DeleteConditions c;
  c.if_match = std::move(etag);
  return c;
}

// The error's code; nullopt for success.
std::optional<s3::Code> code_of(const s3::Result<DeleteOutcome>& r) {
  if (r) return std::nullopt;
  return r.error().code;
}

}  // namespace

TEST_CASE("delete if-match: the current ETag, quoted or not, or *", "[conditions][delete]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  auto v = env.put("b", "k", "data");
  REQUIRE(v.ok());
  CHECK(code_of(env.layer->delete_object_if("b", "k", {}, if_match(std::string(32, '0')))) ==
        s3::Code::PreconditionFailed);
  CHECK(*env.get("b", "k") == "data");
  CHECK(env.layer->delete_object_if("b", "k", {}, if_match("\"" + v->etag + "\"")).ok());
  CHECK(env.layer->stat_object("b", "k").error().code == s3::Code::NoSuchKey);
  // Nothing left to match: 404, for an ETag and for *.
  CHECK(code_of(env.layer->delete_object_if("b", "k", {}, if_match(v->etag))) == s3::Code::NoSuchKey);
  CHECK(code_of(env.layer->delete_object_if("b", "k", {}, if_match("*"))) == s3::Code::NoSuchKey);
  REQUIRE(env.put("b", "k", "again").ok());
  CHECK(env.layer->delete_object_if("b", "k", {}, if_match("*")).ok());
  CHECK(env.data_items() == 0);  // the deleted versions' data is freed
}

TEST_CASE("delete if size and last-modified match; a missing key deletes as ever", "[conditions][delete]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  auto v = env.put("b", "k", "12345");
  REQUIRE(v.ok());
  DeleteConditions c;
  c.size = 4;
  CHECK(code_of(env.layer->delete_object_if("b", "k", {}, c)) == s3::Code::PreconditionFailed);
  c.size = 5;
  c.mtime_s = v->mtime_ms / 1000 - 1;
  CHECK(code_of(env.layer->delete_object_if("b", "k", {}, c)) == s3::Code::PreconditionFailed);
  c.if_match = std::string(32, 'f');
  c.mtime_s = v->mtime_ms / 1000;
  CHECK(code_of(env.layer->delete_object_if("b", "k", {}, c)) == s3::Code::PreconditionFailed);
  CHECK(*env.get("b", "k") == "12345");
  c.if_match = v->etag;
  CHECK(env.layer->delete_object_if("b", "k", {}, c).ok());
  CHECK(env.layer->stat_object("b", "k").error().code == s3::Code::NoSuchKey);
  c.if_match.clear();
  CHECK(env.layer->delete_object_if("b", "k", {}, c).ok());
  CHECK(code_of(env.layer->delete_object_if("nob", "k", {}, c)) == s3::Code::NoSuchBucket);
}

TEST_CASE("delete conditions in a versioned bucket compare with the current version", "[conditions][delete]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  auto v1 = env.put("b", "k", "one");
  auto v2 = env.put("b", "k", "two");
  REQUIRE((v1.ok() && v2.ok()));
  // A failed condition adds no delete marker.
  CHECK(code_of(env.layer->delete_object_if("b", "k", {}, if_match(v1->etag))) == s3::Code::PreconditionFailed);
  CHECK(env.layer->stat_object("b", "k")->version_id == v2->version_id);
  auto d = env.layer->delete_object_if("b", "k", {}, if_match(v2->etag));
  REQUIRE(d.ok());
  CHECK(d->delete_marker);
  // The current version is a delete marker: If-Match has nothing to match, even for a
  // named version that exists.
  CHECK(code_of(env.layer->delete_object_if("b", "k", v1->version_id, if_match("*"))) == s3::Code::NoSuchKey);
  CHECK(env.layer->stat_object("b", "k", v1->version_id).ok());
  // Size alone on a key whose current version is a marker: the named version goes.
  DeleteConditions size;
  size.size = 3;
  CHECK(env.layer->delete_object_if("b", "k", v1->version_id, size).ok());
  CHECK(env.layer->stat_object("b", "k", v1->version_id).error().code == s3::Code::NoSuchVersion);
}

// Six deleters with the same If-Match, three rounds: exactly one deletes, each time.
static void race_deleters(conformance::Env& env, const std::string& bucket) {
  for (int round = 0; round < 3; ++round) {
    const std::string key = "k" + std::to_string(round);
    auto v = env.put(bucket, key, "data");
    REQUIRE(v.ok());
    constexpr int kDeleters = 6;
    std::atomic<int> ready{0}, won{0}, lost{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kDeleters; ++t)
      threads.emplace_back([&] {
        ++ready;
        while (ready.load() < kDeleters) std::this_thread::yield();
        auto r = env.layer->delete_object_if(bucket, key, {}, if_match(v->etag));
        if (r)
          ++won;
        else if (r.error().code == s3::Code::NoSuchKey || r.error().code == s3::Code::PreconditionFailed)
          ++lost;
        else
          ++other;
      });
    for (auto& t : threads) t.join();
    CHECK(won == 1);
    CHECK(lost == kDeleters - 1);
    CHECK(other == 0);
  }
}

TEST_CASE("delete if-match: of racing deleters exactly one wins", "[conditions][delete]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  race_deleters(env, "b");
}

TEST_CASE("delete if-match: of racing deleters in a versioned bucket exactly one wins", "[conditions][delete]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  race_deleters(env, "b");
}
