// Conditional writes through any backend: If-None-Match *, If-Match on PUT and
// Complete, racing creators, ConditionalRequestConflict, IfCurrent deletes; and tags,
// ACLs and bucket configuration documents.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "env.h"
#include "util/hash.h"

using namespace silt;
using silt::conformance::random_bytes;

TEST_CASE("if-none-match: of racing creators exactly one wins", "[conditions]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  for (int round = 0; round < 3; ++round) {
    const std::string key = "k" + std::to_string(round);
    constexpr int kWriters = 6;
    std::atomic<int> ready{0}, won{0}, refused{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kWriters; ++t)
      threads.emplace_back([&, t] {
        WriteConditions c;
        c.if_none_match_any = true;
        auto w = env.layer->create_object("b", key, c);
        if (!w) {
          ++other;
          return;
        }
        std::string data = random_bytes(5000, static_cast<unsigned>(t));
        if (!(*w)->write(data.data(), data.size())) ++other;
        ++ready;
        while (ready.load() < kWriters) std::this_thread::yield();  // commit together
        auto r = (*w)->commit({});
        if (r)
          ++won;
        else if (r.error().code == s3::Code::PreconditionFailed)
          ++refused;
        else
          ++other;
      });
    for (auto& t : threads) t.join();
    CHECK(won == 1);
    CHECK(refused == kWriters - 1);
    CHECK(other == 0);
  }
  // The losers' data is gone: one data item per object.
  CHECK(env.data_items() == 3);
  CHECK(env.temp_items() == 0);
}

TEST_CASE("if-match and if-none-match on put and complete", "[conditions]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  WriteConditions none;
  none.if_none_match_any = true;
  auto put_if = [&](const std::string& data, const WriteConditions& c) -> s3::Result<ObjectInfo> {
    auto w = env.layer->create_object("b", "k", c);
    if (!w) return w.error();
    if (auto s = (*w)->write(data.data(), data.size()); !s) return s.error();
    return (*w)->commit({});
  };
  REQUIRE(put_if("first", none).ok());
  CHECK(put_if("second", none).error().code == s3::Code::PreconditionFailed);
  WriteConditions m;
  m.if_match = "\"" + hex_encode(md5_raw("nope")) + "\"";
  CHECK(put_if("second", m).error().code == s3::Code::PreconditionFailed);
  m.if_match = "\"" + hex_encode(md5_raw("first")) + "\"";
  REQUIRE(put_if("second", m).ok());
  CHECK(*env.get("b", "k") == "second");
  WriteConditions on_missing;
  on_missing.if_match = "*";
  auto w = env.layer->create_object("b", "absent", on_missing);
  REQUIRE(w.ok());
  CHECK((*w)->commit({}).error().code == s3::Code::NoSuchKey);

  // A delete marker does not count as existing.
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  REQUIRE(env.layer->delete_object("b", "k").ok());
  REQUIRE(put_if("third", none).ok());

  auto up = env.layer->create_upload("b", "k", {});
  REQUIRE(up.ok());
  REQUIRE(env.put_part("b", "k", up->upload_id, 1, "tail").ok());
  std::vector<CompletedPart> parts = {{1, hex_encode(md5_raw("tail"))}};
  CHECK(env.layer->complete_upload("b", "k", up->upload_id, parts, none).error().code == s3::Code::PreconditionFailed);
  REQUIRE(env.layer->get_upload("b", "k", up->upload_id).ok());  // still there
  WriteConditions m2;
  m2.if_match = hex_encode(md5_raw("third"));
  auto done = env.layer->complete_upload("b", "k", up->upload_id, parts, m2);
  REQUIRE(done.ok());
  CHECK(*env.get("b", "k") == "tail");
}

TEST_CASE("tags: stored with the version, set without touching data or mtime", "[tags]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  ObjectMeta meta;
  meta.content_type = "text/plain";
  meta.tags = {{"b", "2"}, {"a", "1"}};
  auto v = env.put("b", "k", "data", 1000, meta);
  REQUIRE(v.ok());
  CHECK(env.layer->stat_object("b", "k")->meta.tags == meta.tags);
  auto t = env.layer->set_tags("b", "k", "", {{"x", "y"}});
  REQUIRE(t.ok());
  auto st = env.layer->stat_object("b", "k");
  REQUIRE(st.ok());
  CHECK(st->meta.tags == std::vector<std::pair<std::string, std::string>>{{"x", "y"}});
  CHECK(st->mtime_ms == v->mtime_ms);
  CHECK(st->meta.content_type == "text/plain");
  CHECK(st->etag == v->etag);
  CHECK(*env.get("b", "k") == "data");
  CHECK(env.layer->set_tags("b", "nokey", "", {}).error().code == s3::Code::NoSuchKey);

  // Per version in a versioned bucket.
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  auto v2 = env.put("b", "k", "data2");
  REQUIRE(v2.ok());
  REQUIRE(env.layer->set_tags("b", "k", "null", {{"old", "1"}}).ok());
  CHECK(env.layer->stat_object("b", "k")->meta.tags.empty());
  CHECK(env.layer->stat_object("b", "k", "null")->meta.tags ==
        std::vector<std::pair<std::string, std::string>>{{"old", "1"}});
  REQUIRE(env.layer->set_tags("b", "k", v2->version_id, {{"new", "2"}}).ok());
  env.reopen();
  CHECK(env.layer->stat_object("b", "k")->meta.tags == std::vector<std::pair<std::string, std::string>>{{"new", "2"}});
  auto listed = env.layer->list_object_versions("b", {});
  REQUIRE(listed.ok());
  REQUIRE(listed->versions.size() == 2);
  CHECK(listed->versions[1].meta.tags == std::vector<std::pair<std::string, std::string>>{{"old", "1"}});
  CHECK(env.layer->set_tags("b", "k", std::string(32, '0'), {}).error().code == s3::Code::NoSuchVersion);
}

TEST_CASE("bucket config documents", "[config]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  CHECK_FALSE(env.layer->get_bucket_config("b", "lifecycle")->has_value());
  const std::string doc = std::string("<LifecycleConfiguration>\0binary\xff</x>", 35);
  REQUIRE(env.layer->put_bucket_config("b", "lifecycle", doc).ok());
  REQUIRE(env.layer->put_bucket_config("b", "policy", "{}").ok());
  CHECK(**env.layer->get_bucket_config("b", "lifecycle") == doc);
  REQUIRE(env.layer->put_bucket_config("b", "policy", "{\"v\":2}").ok());
  CHECK(**env.layer->get_bucket_config("b", "policy") == "{\"v\":2}");
  REQUIRE(env.layer->delete_bucket_config("b", "policy").ok());
  CHECK_FALSE(env.layer->get_bucket_config("b", "policy")->has_value());
  REQUIRE(env.layer->delete_bucket_config("b", "policy").ok());  // absent: fine
  CHECK(env.layer->put_bucket_config("nob", "x", "y").error().code == s3::Code::NoSuchBucket);
  CHECK(env.layer->get_bucket_config("nob", "x").error().code == s3::Code::NoSuchBucket);
  env.reopen();
  CHECK(**env.layer->get_bucket_config("b", "lifecycle") == doc);
  CHECK(env.layer->list_objects("b", {})->objects.empty());
  REQUIRE(env.layer->delete_bucket("b").ok());  // config docs do not make a bucket non-empty
  REQUIRE(env.layer->make_bucket("b").ok());
  CHECK_FALSE(env.layer->get_bucket_config("b", "lifecycle")->has_value());
}

TEST_CASE("a key deleted while a conditional write is in flight is a conflict (409)", "[conditions]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.put("b", "k", "first").ok());
  for (bool none_match : {false, true}) {
    WriteConditions c;
    if (none_match)
      c.if_none_match_any = true;
    else
      c.if_match = hex_encode(md5_raw("first"));
    auto w = env.layer->create_object("b", "k", c);
    REQUIRE(w.ok());
    REQUIRE((*w)->write("second", 6).ok());
    REQUIRE(env.layer->delete_object("b", "k").ok());
    auto r = (*w)->commit({});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == s3::Code::ConditionalRequestConflict);
    CHECK(s3::http_status(r.error().code) == 409);
    REQUIRE(env.put("b", "k", "first").ok());
  }
}

TEST_CASE("a delete bound to the current version loses to a newer write", "[pools][lifecycle]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  auto first = env.put("b", "k", "first");
  REQUIRE(first.ok());
  const IfCurrent was{first->version_id, first->etag, first->mtime_ms};
  auto second = env.put("b", "k", "second!");
  REQUIRE(second.ok());
  CHECK(env.layer->delete_object("b", "k", {}, &was).error().code == s3::Code::PreconditionFailed);
  CHECK(*env.get("b", "k") == "second!");
  const IfCurrent now{second->version_id, second->etag, second->mtime_ms};
  CHECK(env.layer->delete_object("b", "k", {}, &now).ok());
  CHECK(env.layer->stat_object("b", "k").error().code == s3::Code::NoSuchKey);
  CHECK(env.layer->delete_object("b", "k", {}, &now).error().code == s3::Code::PreconditionFailed);
}

TEST_CASE("acl: set per version without touching data, metadata or mtime", "[acl]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  ObjectMeta meta;
  meta.content_type = "text/plain";
  meta.acl = "public-read";
  auto v = env.put("b", "k", "data", 1000, meta);
  REQUIRE(v.ok());
  CHECK(env.layer->stat_object("b", "k")->meta.acl == "public-read");
  auto a = env.layer->set_acl("b", "k", "", "private");
  REQUIRE(a.ok());
  CHECK(a->meta.acl == "private");
  auto st = env.layer->stat_object("b", "k");
  REQUIRE(st.ok());
  CHECK(st->meta.acl == "private");
  CHECK(st->mtime_ms == v->mtime_ms);
  CHECK(st->etag == v->etag);
  CHECK(st->meta.content_type == "text/plain");
  CHECK(*env.get("b", "k") == "data");
  CHECK(env.layer->set_acl("b", "nokey", "", "private").error().code == s3::Code::NoSuchKey);
  CHECK(env.layer->set_acl("nob", "k", "", "private").error().code == s3::Code::NoSuchBucket);

  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  auto v2 = env.put("b", "k", "data2");
  REQUIRE(v2.ok());
  REQUIRE(env.layer->set_acl("b", "k", "null", "authenticated-read").ok());
  REQUIRE(env.layer->set_acl("b", "k", v2->version_id, "public-read").ok());
  env.reopen();
  CHECK(env.layer->stat_object("b", "k")->meta.acl == "public-read");
  CHECK(env.layer->stat_object("b", "k", "null")->meta.acl == "authenticated-read");
  CHECK(env.layer->set_acl("b", "k", std::string(32, '0'), "private").error().code == s3::Code::NoSuchVersion);
  CHECK(env.data_items() == 2);
}
