// Storage classes and transitions between them through any backend: a transition keeps
// the version's id, ETag, metadata and mtime, and loses to a write racing it.
#include <catch2/catch.hpp>

#include "env.h"

using namespace silt;
using silt::conformance::kBlock;
using silt::conformance::log_text;

namespace {

// Whether this backend can run transition cases; warns when it cannot.
bool transitions(const silt::conformance::Env& env) {
  if (env.capabilities().transitions) return true;
  WARN("backend " << env.name() << " has no transitions: skipped");
  return false;
}

}  // namespace

TEST_CASE("a multipart object keeps its parts through a transition", "[pools]") {
  CONFORMANCE_ENV(env);
  if (!transitions(env)) return;
  REQUIRE(env.layer->make_bucket("b").ok());
  auto up = env.layer->create_upload("b", "mp", {});
  REQUIRE(up.ok());
  const std::string p1 = log_text(kMinPartSize, 5), p2 = log_text(10000, 6);
  auto e1 = env.put_part("b", "mp", up->upload_id, 1, p1);
  auto e2 = env.put_part("b", "mp", up->upload_id, 2, p2);
  auto done = env.layer->complete_upload("b", "mp", up->upload_id, {{1, e1->etag}, {2, e2->etag}});
  REQUIRE(done.ok());
  REQUIRE(env.layer->transition_object("b", "mp", "", "STANDARD_IA").ok());
  auto after = env.layer->stat_object("b", "mp");
  CHECK(after->etag == done->etag);
  REQUIRE(after->parts.size() == 2);
  CHECK(after->parts[1].etag == e2->etag);
  CHECK(after->stored_bytes < done->stored_bytes / 2);
  CHECK(*env.get("b", "mp") == p1 + p2);
  CHECK(*env.get("b", "mp", p1.size() - 10, 20) == (p1 + p2).substr(p1.size() - 10, 20));
}

TEST_CASE("an overwrite racing a transition wins and leaves no copy behind", "[pools]") {
  CONFORMANCE_ENV(env);
  if (!transitions(env)) return;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string text = log_text(30 * 1000, 8);
  REQUIRE(env.put("b", "k", text).ok());
  const size_t items = env.data_items();
  bool overwritten = false;
  auto moved = env.layer->transition_object("b", "k", "null", "STANDARD_IA", [&](uint64_t) {
    if (overwritten) return;
    overwritten = true;
    REQUIRE(env.put("b", "k", "new bytes").ok());
  });
  CHECK(moved.error().code == s3::Code::NoSuchKey);
  CHECK(*env.get("b", "k") == "new bytes");
  CHECK(env.layer->stat_object("b", "k")->meta.storage_class == "STANDARD");
  CHECK(env.data_items() == items);  // the new object's, nothing of the aborted copy
  CHECK(env.temp_items() == 0);

  // A delete racing it, likewise.
  bool deleted = false;
  auto gone = env.layer->transition_object("b", "k", "null", "STANDARD_IA", [&](uint64_t) {
    if (!deleted) deleted = env.layer->delete_object("b", "k").ok();
  });
  CHECK(gone.error().code == s3::Code::NoSuchKey);
  CHECK(env.data_items() == 0);
}

TEST_CASE("a transition moves the data and keeps the version", "[pools]") {
  CONFORMANCE_ENV(env);
  if (!transitions(env)) return;
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  const std::string text = log_text(30 * 1000, 4);
  auto put = env.put("b", "k", text, 3000);
  REQUIRE(put.ok());
  REQUIRE(env.layer->set_tags("b", "k", "", {{"t", "1"}}).ok());

  uint64_t chunks = 0;
  auto moved = env.layer->transition_object("b", "k", put->version_id, "STANDARD_IA", [&](uint64_t) { ++chunks; });
  REQUIRE(moved.ok());
  CHECK(*moved == text.size());
  CHECK(chunks >= 1);
  auto after = env.layer->stat_object("b", "k");
  CHECK(after->version_id == put->version_id);
  CHECK(after->etag == put->etag);
  CHECK(after->mtime_ms == put->mtime_ms);
  CHECK(after->meta.storage_class == "STANDARD_IA");
  CHECK(after->meta.tags == std::vector<std::pair<std::string, std::string>>{{"t", "1"}});
  CHECK(*env.get("b", "k") == text);
  CHECK(env.data_items() == 1);  // the old copy is gone
  CHECK(env.temp_items() == 0);
  env.reopen();
  CHECK(env.layer->stat_object("b", "k")->meta.storage_class == "STANDARD_IA");
  CHECK(*env.get("b", "k", 1000, 2 * kBlock) == text.substr(1000, 2 * kBlock));
  // Already there: nothing to do.
  CHECK(*env.layer->transition_object("b", "k", put->version_id, "STANDARD_IA") == 0);
  CHECK(env.layer->transition_object("b", "k", put->version_id, "GLACIER").error().code ==
        s3::Code::InvalidStorageClass);
}

TEST_CASE("unmapped storage classes are refused", "[pools]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  CHECK(env.layer->create_object("b", "k", {}, "GLACIER").error().code == s3::Code::InvalidStorageClass);
  ObjectMeta m;
  m.storage_class = "DEEP_ARCHIVE";
  CHECK(env.layer->create_upload("b", "k", m).error().code == s3::Code::InvalidStorageClass);
  CHECK(env.layer->has_storage_class("STANDARD"));
  CHECK(env.layer->has_storage_class("STANDARD_IA"));
  CHECK_FALSE(env.layer->has_storage_class("GLACIER"));
  auto ia = env.put("b", "k", "x", 1000, {}, "STANDARD_IA");
  REQUIRE(ia.ok());
  CHECK(ia->meta.storage_class == "STANDARD_IA");
  CHECK(env.layer->stat_object("b", "k")->meta.storage_class == "STANDARD_IA");
}
