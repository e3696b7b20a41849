// The upload sweeper (rados/uploads.h, sweep_uploads in every GC pass): a gateway that
// died between an Abort's or a Complete's first op and the rest leaves its upload
// aborting, completed or completing. The test leaves exactly that state (the U entry as
// the dead gateway wrote it, its parts and their data still there) and checks that a GC
// pass before the write-intent timeout changes nothing, and one after it finishes the
// removal (no P entry, no part data left in the pool) or gives a completing upload back
// to its client.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "rados/gc.h"
#include "rados/uploads.h"
#include "rados_env.h"
#include "util/hash.h"
#include "util/time.h"

using namespace silt;
using silt::test::RadosEnv;
using silt::test::random_bytes;

namespace {

constexpr int64_t kTimeout = 60 * 1000;

void short_grace(RadosConfig& c) {
  c.intent_timeout_ms = kTimeout;
  c.gc_grace_ms = 0;  // queued data goes at the next pass
}

// The U entry of the one upload in bucket b, as it is stored.
std::pair<std::string, std::string> only_upload(RadosEnv& env) {
  auto names = env.shard_entries("b", "U");
  REQUIRE(names.size() == 1);
  auto shard = env.backend().shard_for("b", "");
  REQUIRE(shard.ok());
  std::map<std::string, librados::bufferlist> vals;
  int rv = 0;
  librados::ObjectReadOperation op;
  op.omap_get_vals_by_keys({names[0]}, &vals, &rv);
  REQUIRE(env.backend().index.operate(shard->oid, &op, nullptr) == 0);
  return {names[0], vals[names[0]].to_str()};
}

// What a gateway that died right after the first op of an Abort or a Complete leaves:
// the U entry in `state` since `since_ms`, everything else untouched.
void leave_state(RadosEnv& env, const std::string& state, int64_t since_ms) {
  auto [name, value] = only_upload(env);
  auto j = nlohmann::json::parse(value);
  j["state"] = state;
  if (since_ms >= 0) j["state_ms"] = since_ms;
  auto shard = env.backend().shard_for("b", "");
  librados::ObjectWriteOperation op;
  op.omap_set({{name, rados::to_bl(j.dump())}});
  REQUIRE(env.backend().index.operate(shard->oid, &op) == 0);
}

size_t data_objects(RadosEnv& env) {
  size_t n = 0;
  auto& io = env.backend().pool_for_class("STANDARD")->io;
  for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it) ++n;
  return n;
}

std::string start_upload_with_parts(RadosEnv& env, const std::string& p1, const std::string& p2) {
  auto up = env.layer->create_upload("b", "k", {});
  REQUIRE(up.ok());
  int n = 0;
  for (const auto* p : {&p1, &p2}) {
    auto w = env.layer->create_part("b", "k", up->upload_id, ++n);
    REQUIRE(w.ok());
    REQUIRE((*w)->write(p->data(), p->size()).ok());
    REQUIRE((*w)->commit({}).ok());
  }
  return up->upload_id;
}

}  // namespace

TEST_CASE("rados upload sweeper: an abort cut short is finished after the timeout, and nothing leaks",
          "[rados][sweeper][multipart]") {
  RadosEnv env(short_grace);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(data_objects(env) == 0);
  const std::string p1 = random_bytes(5u << 20, 1), p2 = random_bytes(1000, 2);
  const std::string id = start_upload_with_parts(env, p1, p2);
  const size_t with_parts = data_objects(env);
  REQUIRE(with_parts > 2);
  const int64_t died = now_ms();
  leave_state(env, "aborting", died);
  // Hidden from clients already, as any aborting upload.
  CHECK(env.layer->get_upload("b", "k", id).error().code == s3::Code::NoSuchUpload);
  // Before the timeout its gateway may still be at it: nothing moves.
  REQUIRE(rados::gc_pass(env.backend(), died + kTimeout - 1000).ok());
  CHECK(env.shard_entries("b", "P").size() == 2);
  CHECK(data_objects(env) == with_parts);
  // After it: parts, upload and data gone.
  REQUIRE(rados::gc_pass(env.backend(), died + kTimeout + 1).ok());
  REQUIRE(rados::gc_pass(env.backend(), died + kTimeout + 2).ok());  // the queued data
  CHECK(env.shard_entries("b", "P").empty());
  CHECK(env.shard_entries("b", "U").empty());
  CHECK(env.shard_entries("b", "G").empty());
  CHECK(data_objects(env) == 0);
  // The bucket is empty again: it can go.
  CHECK(env.layer->delete_bucket("b").ok());
}

TEST_CASE("rados upload sweeper: a completed upload whose part removal was cut short is finished",
          "[rados][sweeper][multipart]") {
  RadosEnv env(short_grace);
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string p1 = random_bytes(5u << 20, 3), p2 = random_bytes(1000, 4), p3 = random_bytes(700, 5);
  const std::string id = start_upload_with_parts(env, p1, p2);
  {
    auto w = env.layer->create_part("b", "k", id, 3);
    REQUIRE(w.ok());
    REQUIRE((*w)->write(p3.data(), p3.size()).ok());
    REQUIRE((*w)->commit({}).ok());
  }
  // Complete with parts 1 and 2 only: part 3's data is to be freed.
  auto done =
      env.layer->complete_upload("b", "k", id, {{1, hex_encode(md5_raw(p1))}, {2, hex_encode(md5_raw(p2))}}, {});
  REQUIRE(done.ok());
  REQUIRE(rados::gc_pass(env.backend(), now_ms() + 1).ok());
  const size_t object_only = data_objects(env);
  // Now put back what a gateway that died after the commit op of a large Complete leaves
  // (the `completed` U entry naming the data to free, the P entries, their data): the
  // upload as it was, marked completed with part 3's data id to free.
  const std::string p4 = random_bytes(800, 6);
  auto up = env.layer->create_upload("b", "k2", {});
  REQUIRE(up.ok());
  {
    auto w = env.layer->create_part("b", "k2", up->upload_id, 1);
    REQUIRE(w.ok());
    REQUIRE((*w)->write(p4.data(), p4.size()).ok());
    REQUIRE((*w)->commit({}).ok());
  }
  const int64_t died = now_ms();
  {
    auto names = env.shard_entries("b", "U");
    REQUIRE(names.size() == 1);
    auto parts = env.shard_entries("b", "P");
    REQUIRE(parts.size() == 1);
    auto shard = env.backend().shard_for("b", "");
    std::map<std::string, librados::bufferlist> vals;
    int rv = 0;
    librados::ObjectReadOperation op;
    op.omap_get_vals_by_keys({names[0], parts[0]}, &vals, &rv);
    REQUIRE(env.backend().index.operate(shard->oid, &op, nullptr) == 0);
    auto part = nlohmann::json::parse(vals[parts[0]].to_str());
    auto u = nlohmann::json::parse(vals[names[0]].to_str());
    u["state"] = "completed";
    u["state_ms"] = died;
    // Every data id the part entry names is to be freed.
    std::function<void(const nlohmann::json&)> ids = [&](const nlohmann::json& v) {
      if (v.is_object())
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (it.key() == "data_id" && it->is_string()) u["free"].push_back(it->get<std::string>());
          ids(*it);
        }
    };
    ids(part);
    REQUIRE(u.contains("free"));
    librados::ObjectWriteOperation w;
    w.omap_set({{names[0], rados::to_bl(u.dump())}});
    REQUIRE(env.backend().index.operate(shard->oid, &w) == 0);
  }
  CHECK(data_objects(env) == object_only + 1);
  REQUIRE(rados::gc_pass(env.backend(), died + kTimeout - 1000).ok());
  CHECK(env.shard_entries("b", "U").size() == 1);
  REQUIRE(rados::gc_pass(env.backend(), died + kTimeout + 1).ok());
  REQUIRE(rados::gc_pass(env.backend(), died + kTimeout + 2).ok());
  CHECK(env.shard_entries("b", "U").empty());
  CHECK(env.shard_entries("b", "P").empty());
  CHECK(data_objects(env) == object_only);
  auto got = env.get("b", "k");
  REQUIRE(got.ok());
  CHECK(*got == p1 + p2);
}

TEST_CASE("rados upload sweeper: a Complete cut short after the freeze gives the upload back",
          "[rados][sweeper][multipart]") {
  RadosEnv env(short_grace);
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string p1 = random_bytes(5u << 20, 7), p2 = random_bytes(1000, 8), p2new = random_bytes(1500, 9);
  const std::string id = start_upload_with_parts(env, p1, p2);
  const int64_t died = now_ms();
  leave_state(env, "completing", died);
  // Frozen: listed, but a part is refused.
  REQUIRE(env.layer->get_upload("b", "k", id).ok());
  auto frozen_part = env.layer->create_part("b", "k", id, 2);
  if (frozen_part.ok()) {
    REQUIRE((*frozen_part)->write(p2new.data(), p2new.size()).ok());
    auto c = (*frozen_part)->commit({});
    REQUIRE(!c.ok());
    CHECK(c.error().code == s3::Code::NoSuchUpload);
  }
  REQUIRE(rados::gc_pass(env.backend(), died + kTimeout - 1000).ok());
  CHECK(rados::upload_state(only_upload(env).second) == "completing");
  REQUIRE(rados::gc_pass(env.backend(), died + kTimeout + 1).ok());
  CHECK(rados::upload_state(only_upload(env).second) == "open");
  // In progress again, as after a failed Complete on S3: a part is taken, the retried
  // Complete makes the object, nothing of the upload stays.
  {
    auto w = env.layer->create_part("b", "k", id, 2);
    REQUIRE(w.ok());
    REQUIRE((*w)->write(p2new.data(), p2new.size()).ok());
    REQUIRE((*w)->commit({}).ok());
  }
  REQUIRE(env.layer->complete_upload("b", "k", id, {{1, hex_encode(md5_raw(p1))}, {2, hex_encode(md5_raw(p2new))}}, {})
              .ok());
  auto got = env.get("b", "k");
  REQUIRE(got.ok());
  CHECK(*got == p1 + p2new);
  CHECK(env.shard_entries("b", "U").empty());
  CHECK(env.shard_entries("b", "P").empty());
}

TEST_CASE("rados upload sweeper: a transient upload from before the sweeper starts its clock at first sight",
          "[rados][sweeper][multipart]") {
  RadosEnv env(short_grace);
  REQUIRE(env.layer->make_bucket("b").ok());
  start_upload_with_parts(env, random_bytes(5u << 20, 10), random_bytes(10, 11));
  leave_state(env, "aborting", -1);  // no state_ms
  const int64_t seen = now_ms();
  REQUIRE(rados::gc_pass(env.backend(), seen).ok());
  auto j = nlohmann::json::parse(only_upload(env).second);
  REQUIRE(j.contains("state_ms"));
  CHECK(j["state_ms"].get<int64_t>() == seen);
  CHECK(env.shard_entries("b", "P").size() == 2);
  REQUIRE(rados::gc_pass(env.backend(), seen + kTimeout + 1).ok());
  CHECK(env.shard_entries("b", "U").empty());
  CHECK(env.shard_entries("b", "P").empty());
}
