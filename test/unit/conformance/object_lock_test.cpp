// Object Lock through any backend that keeps it (ObjectLayer::supports_object_lock): a
// locked version cannot be removed by any caller until its date passes, lock changes are
// judged against the stored lock, and both are atomic with their commits.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "env.h"
#include "util/time.h"

using namespace silt;

namespace {

constexpr int64_t kHour = 3'600'000;

ObjectMeta locked(std::string mode, int64_t until, bool hold = false) {
  ObjectMeta m;
  m.lock = ObjectLock{std::move(mode), until, hold};
  return m;
}

LockChange retention(std::string mode, int64_t until, bool bypass = false) {
  LockChange c;
  c.retention = ObjectLock{std::move(mode), until, false};
  c.bypass_governance = bypass;
  return c;
}

DeleteConditions bypass() {
  DeleteConditions c;
  c.bypass_governance = true;
  return c;
}

}  // namespace

TEST_CASE("object lock: a locked version stays until its date passes, for every caller", "[object-lock]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->supports_object_lock());
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  const int64_t until = now_ms() + kHour;
  auto v = env.put("b", "k", "kept", 1000, locked("COMPLIANCE", until));
  REQUIRE(v.ok());
  CHECK(env.layer->stat_object("b", "k")->meta.lock == ObjectLock{"COMPLIANCE", until, false});
  CHECK(env.layer->delete_object("b", "k", v->version_id).error().code == s3::Code::AccessDenied);
  CHECK(env.layer->delete_object_if("b", "k", v->version_id, bypass()).error().code == s3::Code::AccessDenied);
  // Shortening or weakening COMPLIANCE is refused; extending is not.
  CHECK(env.layer->set_object_lock("b", "k", v->version_id, retention("COMPLIANCE", until - 1, true)).error().code ==
        s3::Code::AccessDenied);
  CHECK(env.layer->set_object_lock("b", "k", v->version_id, retention("GOVERNANCE", until + 1, true)).error().code ==
        s3::Code::AccessDenied);
  REQUIRE(env.layer->set_object_lock("b", "k", v->version_id, retention("COMPLIANCE", until + kHour)).ok());
  // Tags change without touching the lock.
  REQUIRE(env.layer->set_tags("b", "k", v->version_id, {{"a", "b"}}).ok());
  // A delete marker may go on top.
  auto marker = env.layer->delete_object("b", "k");
  REQUIRE(marker.ok());
  CHECK(marker->delete_marker);
  env.reopen();
  auto info = env.layer->stat_object("b", "k", v->version_id);
  REQUIRE(info.ok());
  CHECK(info->meta.lock == ObjectLock{"COMPLIANCE", until + kHour, false});
  CHECK(info->meta.tags.size() == 1);
  CHECK(env.layer->delete_object("b", "k", v->version_id).error().code == s3::Code::AccessDenied);
  CHECK(*env.get_version("b", "k", v->version_id) == "kept");
}

TEST_CASE("object lock: GOVERNANCE yields to a bypass, a legal hold to nothing", "[object-lock]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  const int64_t until = now_ms() + kHour;
  auto g = env.put("b", "g", "g", 1000, locked("GOVERNANCE", until));
  REQUIRE(g.ok());
  CHECK(env.layer->delete_object("b", "g", g->version_id).error().code == s3::Code::AccessDenied);
  CHECK(env.layer->set_object_lock("b", "g", g->version_id, retention("", 0)).error().code == s3::Code::AccessDenied);
  LockChange hold;
  hold.legal_hold = true;
  REQUIRE(env.layer->set_object_lock("b", "g", g->version_id, hold).ok());
  CHECK(env.layer->delete_object_if("b", "g", g->version_id, bypass()).error().code == s3::Code::AccessDenied);
  hold.legal_hold = false;
  REQUIRE(env.layer->set_object_lock("b", "g", g->version_id, hold).ok());
  CHECK(env.layer->delete_object_if("b", "g", g->version_id, bypass()).ok());
  // A retention whose date has passed protects nothing.
  auto soon = env.put("b", "s", "s", 1000, locked("COMPLIANCE", now_ms() + 300));
  REQUIRE(soon.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(env.layer->delete_object("b", "s", soon->version_id).ok());
  CHECK(env.layer->set_object_lock("b", "nope", "", hold).error().code == s3::Code::NoSuchKey);
}

TEST_CASE("object lock: a legal hold racing a delete of the version, never both", "[object-lock]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  for (int i = 0; i < 20; ++i) {
    auto v = env.put("b", "k", "x");
    REQUIRE(v.ok());
    LockChange hold;
    hold.legal_hold = true;
    std::atomic<bool> held = false, deleted = false;
    std::thread a([&] { held = env.layer->set_object_lock("b", "k", v->version_id, hold).ok(); });
    std::thread d([&] { deleted = env.layer->delete_object("b", "k", v->version_id).ok(); });
    a.join();
    d.join();
    CHECK(held.load() != deleted.load());
    CHECK(env.layer->stat_object("b", "k", v->version_id).ok() == held.load());
  }
}
