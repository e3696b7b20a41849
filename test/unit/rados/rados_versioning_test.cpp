// Versioning on RADOS where it is RADOS-specific: two layers (two gateways) on one
// namespace racing commits of one key, and a versioning change landing between a
// commit's read and its op (the race RGW leaves open, design memo §3.2). The S3
// semantics themselves are the conformance suite's (test/unit/conformance/versioning_test.cpp).
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "index/keys.h"
#include "rados/objects.h"
#include "rados/versioning.h"
#include "rados_env.h"

using namespace silt;
using silt::test::RadosEnv;

namespace {

std::vector<ObjectInfo> all_versions(ObjectLayer& l, const std::string& bucket) {
  std::vector<ObjectInfo> out;
  VersionListParams p;
  p.max_keys = 7;  // several pages
  for (;;) {
    auto r = l.list_object_versions(bucket, p);
    INFO((r.ok() ? "" : r.error().message));
    REQUIRE(r.ok());
    out.insert(out.end(), r->versions.begin(), r->versions.end());
    if (!r->truncated) return out;
    p.key_marker = r->next_key_marker;
    p.version_id_marker = r->next_version_id_marker;
  }
}

}  // namespace

TEST_CASE("rados versioning: concurrent PUTs of one key on two gateways keep every version", "[rados][versioning]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  REQUIRE(b.layer->set_versioning("b", Versioning::Enabled).ok());
  CHECK(a.layer->head_bucket("b")->versioning == Versioning::Enabled);
  constexpr int kThreads = 8, kEach = 5;
  std::vector<std::string> ids[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      RadosEnv& env = t % 2 ? b : a;
      for (int i = 0; i < kEach; ++i) {
        auto r = env.put("b", "k", "t" + std::to_string(t) + "-" + std::to_string(i));
        if (r.ok()) ids[t].push_back(r->version_id);
      }
    });
  for (auto& th : threads) th.join();
  std::set<std::string> put;
  for (const auto& v : ids) put.insert(v.begin(), v.end());
  REQUIRE(put.size() == kThreads * kEach);  // every PUT succeeded with an id of its own
  auto listed = all_versions(*b.layer, "b");
  std::set<std::string> seen;
  int latest = 0;
  for (const auto& v : listed) {
    seen.insert(v.version_id);
    latest += v.is_latest;
  }
  CHECK(listed.size() == put.size());
  CHECK(seen == put);
  CHECK(latest == 1);
  CHECK(listed.front().is_latest);
  CHECK(a.layer->stat_object("b", "k")->version_id == listed.front().version_id);
  // Newest first: ids (inverted commit times) ascend.
  for (size_t i = 1; i < listed.size(); ++i) CHECK(listed[i - 1].version_id < listed[i].version_id);
}

TEST_CASE("rados versioning: a state change between a commit's read and its op is seen by the commit",
          "[rados][versioning]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  REQUIRE(a.layer->set_versioning("b", Versioning::Enabled).ok());
  auto v1 = a.put("b", "k", "");
  REQUIRE(v1.ok());
  REQUIRE(keys::is_version_id(v1->version_id));

  // Gateway A decides a commit under Enabled; gateway B suspends versioning before A's
  // op reaches the shard. The op must fail its assertion and be decided again: a null
  // version, not a versioned one committed under Suspended. (The record: v1's, a
  // zero-byte inline one, under a data id of its own.)
  auto rec = rados::read_version(a.backend(), "b", "k", "");
  REQUIRE(rec.ok());
  rec->layout.data_id = rec->parts.front().data_id = rados::random_id();
  std::vector<int> attempts;
  const std::string empty;
  auto done = rados::commit_object(a.backend(), *rec, {}, &empty,
                                   [&](int attempt, librados::ObjectWriteOperation&,
                                       std::map<std::string, librados::bufferlist>&, std::set<std::string>&) {
                                     attempts.push_back(attempt);
                                     if (attempt == 0)
                                       REQUIRE(b.layer->set_versioning("b", Versioning::Suspended).ok());
                                     return s3::Status();
                                   });
  REQUIRE(done.ok());
  CHECK(attempts == std::vector<int>{0, 1});
  CHECK(done->info.version_id == "null");
  CHECK(a.layer->head_bucket("b")->versioning == Versioning::Suspended);
  auto listed = all_versions(*a.layer, "b");
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].version_id == "null");
  CHECK(listed[0].is_latest);
  CHECK(listed[1].version_id == v1->version_id);
}

TEST_CASE("rados versioning: racing state changes leave the record showing the shard's state", "[rados][versioning]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  std::atomic<int> failed{0};  // Catch2 assertions are not for other threads
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      RadosEnv& env = t % 2 ? b : a;
      for (int i = 0; i < 10; ++i)
        if (!env.layer->set_versioning("b", (i + t) % 2 ? Versioning::Enabled : Versioning::Suspended).ok()) ++failed;
    });
  for (auto& th : threads) th.join();
  CHECK(failed == 0);
  // The record's copy matches what commits see: a PUT's version id tells the shard's state.
  const Versioning shown = a.layer->head_bucket("b")->versioning;
  auto put = b.put("b", "k", "x");
  REQUIRE(put.ok());
  CHECK((put->version_id == "null") == (shown == Versioning::Suspended));
  CHECK(a.layer->set_versioning("b", Versioning::Unversioned).error().code == s3::Code::InvalidArgument);
  CHECK(a.layer->set_versioning("nope", Versioning::Enabled).error().code == s3::Code::NoSuchBucket);
}
