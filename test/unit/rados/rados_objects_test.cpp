// Objects on RADOS: the data path (stripes, inline, ranges), write conditions decided
// by compare-and-set across gateways, metadata updates, deletes, and GC of replaced data.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "rados/objects.h"
#include "rados/record_copy.h"
#include "rados_env.h"
#include "util/hash.h"

using namespace silt;
using silt::test::kStripe;
using silt::test::RadosEnv;
using silt::test::random_bytes;

TEST_CASE("rados: an op timeout outside 1 to 600 s is refused", "[rados][config]") {
  for (uint32_t seconds : {0u, 601u}) {
    RadosConfig cfg = default_rados_config(silt::test::ceph_conf() ? silt::test::ceph_conf() : "");
    cfg.op_timeout_s = seconds;
    auto l = open_rados_object_layer(cfg);
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().message.find("op_timeout_seconds must be 1 to 600") != std::string::npos);
  }
}

TEST_CASE("rados: put/get round trip at inline and stripe boundaries", "[rados][data]") {
  RadosEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  for (size_t size : {size_t{0}, size_t{1}, size_t{4096}, size_t{4097}, size_t{kStripe - 1}, size_t{kStripe},
                      size_t{kStripe + 1}, size_t{7 * kStripe + 123}}) {
    INFO("size " << size);
    const std::string key = "obj-" + std::to_string(size);
    const std::string data = random_bytes(size, static_cast<unsigned>(size));
    auto info = env.put("b", key, data);
    REQUIRE(info.ok());
    CHECK(info->size == size);
    CHECK(info->etag == hex_encode(md5_raw(data)));
    CHECK(info->version_id == "null");
    auto st = env.layer->stat_object("b", key, "");
    INFO((st.ok() ? std::string() : st.error().message));
    REQUIRE(st.ok());
    CHECK(st->etag == info->etag);
    CHECK(st->size == size);
    CHECK(st->meta.storage_class == "STANDARD");
    auto got = env.get("b", key);
    REQUIRE(got.ok());
    CHECK(*got == data);
    // Up to inline_bytes the data lives in the shard, past it in the pool.
    if (size > env.cfg.inline_bytes) {
      CHECK(st->stored_bytes == size * 3 / 2);  // EC 2+1
    } else {
      CHECK(st->stored_bytes == size);
    }
  }
  CHECK(env.shard_entries("b", "I").empty());      // every intent went with its commit
  CHECK(env.shard_entries("b", "D").size() == 2);  // sizes 1 and 4096; 0 bytes need no entry
}

TEST_CASE("rados: ranged reads across object boundaries", "[rados][data]") {
  RadosEnv env([](RadosConfig& c) { c.reads_ahead = 2; });
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(5 * kStripe + 999, 7);
  REQUIRE(env.put("b", "k", data).ok());
  const uint64_t S = kStripe;
  for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{{0, 1},
                                                                    {S - 1, 2},
                                                                    {S, S},
                                                                    {S - 10, 3 * S + 20},
                                                                    {5 * S, 999},
                                                                    {5 * S + 998, 1},
                                                                    {123, 0},
                                                                    {0, data.size()}}) {
    INFO("range " << off << "+" << len);
    auto got = env.get("b", "k", off, len, 3000);
    REQUIRE(got.ok());
    CHECK(*got == data.substr(off, len));
  }
  auto info = env.layer->stat_object("b", "k", "");
  CHECK(env.layer->open_object(*info, data.size(), 1).error().code == s3::Code::InvalidRange);
  // A small inlined object, ranged.
  REQUIRE(env.put("b", "small", "0123456789").ok());
  CHECK(*env.get("b", "small", 3, 4) == "3456");
}

TEST_CASE("rados: If-None-Match and If-Match are decided at commit", "[rados][conditions]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  WriteConditions inm;
  inm.if_none_match_any = true;
  REQUIRE(env.put("b", "k", "one", inm).ok());
  auto again = env.put("b", "k", "two", inm);
  REQUIRE(!again.ok());
  CHECK(again.error().code == s3::Code::PreconditionFailed);
  CHECK(*env.get("b", "k") == "one");

  WriteConditions im;
  im.if_match = "\"0123\"";
  CHECK(env.put("b", "k", "two", im).error().code == s3::Code::PreconditionFailed);
  im.if_match = "\"" + hex_encode(md5_raw("one")) + "\"";
  REQUIRE(env.put("b", "k", "two", im).ok());
  CHECK(*env.get("b", "k") == "two");
  CHECK(env.put("b", "missing", "x", im).error().code == s3::Code::NoSuchKey);

  // Two writers of one key, both started before either commits: the first commit
  // wins, the second finds the key taken.
  auto w1 = l.create_object("b", "race", inm, "");
  auto w2 = l.create_object("b", "race", inm, "");
  REQUIRE(w1.ok());
  REQUIRE(w2.ok());
  const std::string big(kStripe + 5, 'a');  // pooled data: their data objects must go too
  REQUIRE((*w1)->write(big.data(), big.size()).ok());
  REQUIRE((*w2)->write(big.data(), big.size()).ok());
  REQUIRE((*w1)->commit({}).ok());
  auto lost = (*w2)->commit({});
  REQUIRE(!lost.ok());
  CHECK(lost.error().code == s3::Code::PreconditionFailed);
  w2->reset();
  CHECK(env.shard_entries("b", "I").empty());

  // A key deleted while a conditional write is in flight: 409, as S3 answers.
  auto w3 = l.create_object("b", "race", im = WriteConditions{false, "*", {}}, "");
  REQUIRE(w3.ok());
  REQUIRE(l.delete_object("b", "race", "", nullptr).ok());
  auto conflict = (*w3)->commit({});
  REQUIRE(!conflict.ok());
  CHECK(conflict.error().code == s3::Code::ConditionalRequestConflict);
}

TEST_CASE("rados: concurrent If-None-Match PUTs from two gateways: exactly one wins", "[rados][conditions]") {
  RadosEnv a;
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  for (int round = 0; round < 3; ++round) {
    const std::string key = "k" + std::to_string(round);
    std::atomic<int> won{0}, refused{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i)
      threads.emplace_back([&, i] {
        RadosEnv& env = i % 2 ? a : b;
        WriteConditions c;
        c.if_none_match_any = true;
        auto r = env.put("b", key, "writer " + std::to_string(i), c);
        if (r.ok())
          ++won;
        else if (r.error().code == s3::Code::PreconditionFailed)
          ++refused;
        else
          ++other;
      });
    for (auto& t : threads) t.join();
    CHECK(won == 1);
    CHECK(refused == 15);
    CHECK(other == 0);
  }
}

TEST_CASE("rados: metadata, tags and ACL updates keep the data", "[rados][objects]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  const std::string data = random_bytes(kStripe + 3, 1);
  auto put = env.put("b", "k", data);
  REQUIRE(put.ok());
  ObjectMeta m;
  m.content_type = "text/plain";
  m.user = {{"color", "blue"}};
  auto up = l.update_metadata("b", "k", m);
  REQUIRE(up.ok());
  CHECK(up->meta.content_type == "text/plain");
  CHECK(up->meta.storage_class == "STANDARD");
  REQUIRE(l.set_tags("b", "k", "", {{"a", "1"}}).ok());
  REQUIRE(l.set_acl("b", "k", "null", "public-read").ok());
  auto st = l.stat_object("b", "k", "");
  REQUIRE(st.ok());
  CHECK(st->meta.user == m.user);
  CHECK(st->meta.tags == std::vector<std::pair<std::string, std::string>>{{"a", "1"}});
  CHECK(st->meta.acl == "public-read");
  CHECK(st->etag == put->etag);
  CHECK(*env.get("b", "k") == data);
  CHECK(l.set_tags("b", "nope", "", {}).error().code == s3::Code::NoSuchKey);
  CHECK(l.set_acl("b", "k", "0123456789abcdef0123456789abcdef", "private").error().code == s3::Code::NoSuchVersion);
  CHECK(l.stat_object("b", "k", "0123456789abcdef0123456789abcdef").error().code == s3::Code::NoSuchVersion);
}

TEST_CASE("rados: delete, IfCurrent, and GC of replaced data after the grace period", "[rados][gc]") {
  RadosEnv env([](RadosConfig& c) { c.gc_grace_ms = 0; });
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  const std::string v1 = random_bytes(3 * kStripe, 1);
  REQUIRE(env.put("b", "k", v1).ok());
  REQUIRE(env.put("b", "k", "small now").ok());  // replaces pooled data with inline data
  auto gc = env.shard_entries("b", "G");
  REQUIRE(gc.size() == 1);
  const std::string data_id = gc[0].substr(17);
  CHECK(env.data_object_exists(data_id, 0));
  CHECK(env.data_object_exists(data_id, 2));
  auto done = env.rados().collect_garbage();
  REQUIRE(done.ok());
  CHECK(*done == 1);
  CHECK(!env.data_object_exists(data_id, 0));
  CHECK(!env.data_object_exists(data_id, 2));
  CHECK(env.shard_entries("b", "G").empty());
  CHECK(env.shard_entries("b", "V").size() == 1);

  auto cur = l.stat_object("b", "k", "");
  REQUIRE(cur.ok());
  IfCurrent stale{"null", "0000", cur->mtime_ms};
  CHECK(l.delete_object("b", "k", "", &stale).error().code == s3::Code::PreconditionFailed);
  IfCurrent right{"null", cur->etag, cur->mtime_ms};
  REQUIRE(l.delete_object("b", "k", "", &right).ok());
  CHECK(l.stat_object("b", "k", "").error().code == s3::Code::NoSuchKey);
  // O, V and D all gone in the one op; the key's listing delta says so (a tombstone, which
  // the packed listing's compaction folds away: rados/list_pack.h).
  CHECK(env.shard_entries("b", "") == std::vector<std::string>{"Lk"});
  REQUIRE(l.delete_object("b", "k", "", nullptr).ok());  // a missing key: S3 says 204
  CHECK(l.delete_object("nope", "k", "", nullptr).error().code == s3::Code::NoSuchBucket);
}

TEST_CASE("rados: a grace period protects an open reader from GC", "[rados][gc]") {
  RadosEnv env([](RadosConfig& c) { c.gc_grace_ms = 60 * 60 * 1000; });
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  const std::string v1 = random_bytes(4 * kStripe, 2);
  REQUIRE(env.put("b", "k", v1).ok());
  auto info = l.stat_object("b", "k", "");
  auto reader = l.open_object(*info, 0, info->size);
  REQUIRE(reader.ok());
  REQUIRE(env.put("b", "k", "replaced").ok());
  auto done = env.rados().collect_garbage();
  REQUIRE(done.ok());
  CHECK(*done == 0);  // not due yet
  std::string got;
  std::vector<char> buf(10000);
  for (;;) {
    auto n = (*reader)->read(buf.data(), buf.size());
    REQUIRE(n.ok());
    if (*n == 0) break;
    got.append(buf.data(), *n);
  }
  CHECK(got == v1);
}

TEST_CASE("rados: transitions refuse unmapped classes and missing versions", "[rados][scope]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  CHECK(l.transition_object("b", "k", "", "STANDARD_IA", {}).error().code == s3::Code::NoSuchKey);
  CHECK(l.transition_object("b", "k", "", "GLACIER", {}).error().code == s3::Code::InvalidStorageClass);
  CHECK(l.create_object("b", "k", {}, "GLACIER").error().code == s3::Code::InvalidStorageClass);
  CHECK(l.head_bucket("b")->versioning == Versioning::Unversioned);
}

TEST_CASE("rados: gateway zstd frames per data object, ranges decode only what they touch", "[rados][zstd]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  // Compressible text of 3.5 stripes into the zstd pool (STANDARD_IA: "cold", level 3).
  std::string text;
  for (int i = 0; text.size() < 3 * kStripe + kStripe / 2; ++i)
    text += "{\"line\": " + std::to_string(i) + ", \"msg\": \"gateway zstd on rados\"}\n";
  text.resize(3 * kStripe + kStripe / 2);
  auto w = l.create_object("b", "text", {}, "STANDARD_IA");
  REQUIRE(w.ok());
  REQUIRE((*w)->write(text.data(), text.size()).ok());
  auto info = (*w)->commit({});
  REQUIRE(info.ok());
  const uint64_t raw = text.size() * 3 / 2;  // EC 2+1
  CHECK(info->stored_bytes < raw / 4);
  // Incompressible bytes stay raw in the same pool.
  const std::string noise = random_bytes(2 * kStripe + 5, 7);
  auto w2 = l.create_object("b", "noise", {}, "STANDARD_IA");
  REQUIRE(w2.ok());
  REQUIRE((*w2)->write(noise.data(), noise.size()).ok());
  auto info2 = (*w2)->commit({});
  REQUIRE(info2.ok());
  CHECK(info2->stored_bytes == noise.size() * 3 / 2);
  CHECK(*env.get("b", "text") == text);
  CHECK(*env.get("b", "noise") == noise);
  for (auto [off, len] : {std::pair<uint64_t, uint64_t>{0, 1},
                          {kStripe - 3, 7},
                          {kStripe / 2, 2 * kStripe},
                          {3 * kStripe + 1, kStripe / 2 - 1}}) {
    CHECK(*env.get("b", "text", off, len) == text.substr(off, len));
    if (off + len <= noise.size()) CHECK(*env.get("b", "noise", off, len) == noise.substr(off, len));
  }
}

namespace {

// The record copy on data object <id>.0 of the pool of storage_class, once it shows `until`
// (the copy is sent asynchronously); nullopt after 10 s.
std::optional<ObjectRecord> record_copy(RadosEnv& env, const std::string& storage_class, const std::string& data_id,
                                        const std::function<bool(const ObjectRecord&)>& until) {
  librados::IoCtx& io = env.backend().pool_for_class(storage_class)->io;
  for (int i = 0; i < 200; ++i) {
    librados::bufferlist bl;
    if (io.getxattr(rados::data_oid(data_id, 0), rados::kRecordXattr, bl) > 0) {
      auto rec = decode_object_record(bl.to_str());
      if (rec && until(*rec)) return *rec;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("rados: each version's record travels with its data", "[rados][record-copy]") {
  RadosEnv env([](RadosConfig& c) { c.gc_grace_ms = 0; });
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  REQUIRE(l.set_versioning("b", Versioning::Enabled).ok());
  const std::string data = random_bytes(2 * kStripe + 3, 11);
  auto put = env.put("b", "k", data);
  REQUIRE(put.ok());
  auto rec = rados::read_version(env.backend(), "b", "k", put->version_id);
  REQUIRE(rec.ok());
  const std::string id = rec->primary_data_id();
  auto copy = record_copy(env, "STANDARD", id, [](const ObjectRecord&) { return true; });
  REQUIRE(copy);
  CHECK(copy->info.bucket == "b");
  CHECK(copy->info.key == "k");
  CHECK(copy->info.version_id == put->version_id);
  CHECK(copy->info.etag == put->etag);
  CHECK(copy->info.size == data.size());
  // A change of the record (tags, a legal hold) reaches the copy.
  REQUIRE(l.set_tags("b", "k", put->version_id, {{"t", "1"}}).ok());
  LockChange hold;
  hold.legal_hold = true;
  REQUIRE(l.set_object_lock("b", "k", put->version_id, hold).ok());
  CHECK(record_copy(env, "STANDARD", id,
                    [](const ObjectRecord& r) { return r.info.meta.lock.legal_hold && r.info.meta.tags.size() == 1; }));
  // A transition writes the copy on the new data.
  auto moved = l.transition_object("b", "k", put->version_id, "STANDARD_IA", {});
  REQUIRE(moved.ok());
  auto after = rados::read_version(env.backend(), "b", "k", put->version_id);
  REQUIRE(after.ok());
  REQUIRE(after->primary_data_id() != id);
  CHECK(record_copy(env, "STANDARD_IA", after->primary_data_id(), [&](const ObjectRecord& r) {
    return r.info.meta.storage_class == "STANDARD_IA" && r.info.version_id == put->version_id;
  }));
}
