// The write-intent sweeper (rados/gc.h): a writer whose gateway died leaves an intent
// and data objects; the GC pass after the intent timeout reclaims them. A writer that
// was only stalled past the timeout loses its write with a 500 instead of committing
// data that is being removed.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "rados/gc.h"
#include "rados_env.h"

using namespace silt;
using silt::test::RadosEnv;

namespace {

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

TEST_CASE("rados sweeper: a dead writer's intent and data are reclaimed after the timeout", "[rados][sweeper]") {
  RadosEnv env([](RadosConfig& c) {
    c.intent_timeout_ms = 300;
    c.gc_grace_ms = 0;
  });
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data(3 * silt::test::kStripe + 100, 'x');
  std::string data_id;
  {
    auto w = env.layer->create_object("b", "k", {}, "");
    REQUIRE(w.ok());
    REQUIRE((*w)->write(data.data(), data.size()).ok());
    // The gateway dies here: no commit, no destructor (the writer is leaked on purpose).
    (void)w->release();
  }
  sleep_ms(100);  // let the leaked writer's in-flight writes land
  auto intents = env.shard_entries("b", "I");
  REQUIRE(intents.size() == 1);
  data_id = intents[0].substr(1);
  CHECK(env.data_object_exists(data_id, 0));
  CHECK(env.data_object_exists(data_id, 2));
  // Younger than the timeout: left alone.
  REQUIRE(env.rados().collect_garbage().ok());
  CHECK(env.shard_entries("b", "I").size() == 1);
  CHECK(env.data_object_exists(data_id, 0));
  sleep_ms(400);
  auto n = env.rados().collect_garbage();
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(env.shard_entries("b", "I").empty());
  CHECK(env.shard_entries("b", "G").empty());
  for (uint64_t i = 0; i < 4; ++i) CHECK_FALSE(env.data_object_exists(data_id, i));
  CHECK(env.layer->stat_object("b", "k", "").error().code == s3::Code::NoSuchKey);
  REQUIRE(env.layer->delete_bucket("b").ok());  // the intent no longer keeps it
}

TEST_CASE("rados sweeper: a writer stalled past the timeout fails its commit and leaves nothing", "[rados][sweeper]") {
  RadosEnv env([](RadosConfig& c) {
    c.intent_timeout_ms = 200;
    c.gc_grace_ms = 0;
  });
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data(2 * silt::test::kStripe + 7, 'y');
  SECTION("a PUT, stripes all sent: its commit op's assertion fails") {
    const std::string whole(2 * silt::test::kStripe, 'z');
    auto w = env.layer->create_object("b", "k", {}, "");
    REQUIRE(w.ok());
    REQUIRE((*w)->write(whole.data(), whole.size()).ok());
    sleep_ms(300);
    REQUIRE(env.rados().collect_garbage().ok());
    CHECK(env.shard_entries("b", "I").empty());
    auto c = (*w)->commit({});
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code == s3::Code::InternalError);
    w->reset();
    CHECK(env.layer->stat_object("b", "k", "").error().code == s3::Code::NoSuchKey);
  }
  SECTION("an UploadPart, a stripe still to send: renewing its intent fails") {
    auto u = env.layer->create_upload("b", "k", {});
    REQUIRE(u.ok());
    auto w = env.layer->create_part("b", "k", u->upload_id, 1);
    REQUIRE(w.ok());
    REQUIRE((*w)->write(data.data(), data.size()).ok());
    sleep_ms(300);
    REQUIRE(env.rados().collect_garbage().ok());
    auto c = (*w)->commit({});
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code == s3::Code::InternalError);
    w->reset();
    CHECK(env.layer->list_parts("b", "k", u->upload_id, 0, 100)->parts.empty());
    REQUIRE(env.layer->abort_upload("b", "k", u->upload_id).ok());
  }
  REQUIRE(env.rados().collect_garbage().ok());
  CHECK(env.shard_entries("b", "I").empty());
  CHECK(env.shard_entries("b", "G").empty());
  CHECK(env.shard_entries("b", "V").empty());
}

TEST_CASE("rados sweeper: a live writer renews its intent and commits", "[rados][sweeper]") {
  RadosEnv env([](RadosConfig& c) {
    c.intent_timeout_ms = 400;
    c.gc_grace_ms = 0;
  });
  REQUIRE(env.layer->make_bucket("b").ok());
  auto w = env.layer->create_object("b", "k", {}, "");
  REQUIRE(w.ok());
  std::string all;
  // A slow client: a stripe every 150 ms for 1.2 s, three timeouts long, GC passes between.
  for (int i = 0; i < 8; ++i) {
    const std::string chunk(silt::test::kStripe, static_cast<char>('a' + i));
    REQUIRE((*w)->write(chunk.data(), chunk.size()).ok());
    all += chunk;
    sleep_ms(150);
    REQUIRE(env.rados().collect_garbage().ok());
  }
  auto c = (*w)->commit({});
  REQUIRE(c.ok());
  CHECK(*env.get("b", "k") == all);
}
