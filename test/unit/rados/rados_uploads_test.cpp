// Multipart uploads on RADOS, where two gateways race on one upload: a part re-uploaded
// while a Complete runs, a Complete against an Abort, and uploads past one op's worth of
// omap keys (completed and aborted in batches). The backend-neutral cases are in the
// conformance suite (test/unit/conformance/multipart_test.cpp).
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "rados/gc.h"
#include "rados_env.h"
#include "util/hash.h"

using namespace silt;
using silt::test::RadosEnv;
using silt::test::random_bytes;

namespace {

constexpr size_t kMiB5 = 5u << 20;

s3::Result<ObjectInfo> put_part(ObjectLayer& l, const std::string& key, const std::string& id, int n,
                                const std::string& data) {
  auto w = l.create_part("b", key, id, n);
  if (!w) return w.error();
  if (auto s = (*w)->write(data.data(), data.size()); !s) return s.error();
  return (*w)->commit({});
}

// Data ids with objects in the STANDARD pool of env's namespace, after a GC pass.
std::set<std::string> stored_ids(RadosEnv& env) {
  REQUIRE(env.rados().collect_garbage().ok());
  std::set<std::string> ids;
  auto& io = env.backend().pool_for_class("STANDARD")->io;
  for (auto it = io.nobjects_begin(); it != io.nobjects_end(); ++it)
    ids.insert(it->get_oid().substr(0, it->get_oid().find('.')));
  return ids;
}

// An upload of key in bucket "b": a 5 MiB part 1 through `first`, a 10-byte part 2
// through `second` (another gateway, or the same), random from seed and seed + 100.
struct TwoParts {
  std::string upload_id;
  std::vector<CompletedPart> list;  // for Complete
  std::string body;                 // what Complete makes of them
};
TwoParts two_part_upload(RadosEnv& first, RadosEnv& second, const std::string& key, unsigned seed) {
  auto up = first.layer->create_upload("b", key, {});
  REQUIRE(up.ok());
  const std::string p1 = random_bytes(kMiB5, seed), p2 = random_bytes(10, seed + 100);
  REQUIRE(put_part(*first.layer, key, up->upload_id, 1, p1).ok());
  REQUIRE(put_part(*second.layer, key, up->upload_id, 2, p2).ok());
  return {up->upload_id, {{1, hex_encode(md5_raw(p1))}, {2, hex_encode(md5_raw(p2))}}, p1 + p2};
}

std::string read_all(RadosEnv& env, const std::string& key) {
  auto got = env.get("b", key);
  REQUIRE(got.ok());
  return *got;
}

}  // namespace

TEST_CASE("rados: a part re-uploaded on one gateway while another completes", "[rados][multipart]") {
  RadosEnv a([](RadosConfig& c) { c.gc_grace_ms = 0; });
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  int completed = 0, refused = 0;
  for (int round = 0; round < 6; ++round) {
    const std::string key = "k" + std::to_string(round);
    auto up = a.layer->create_upload("b", key, {});
    REQUIRE(up.ok());
    const std::string p1 = random_bytes(kMiB5, 1 + round), p2 = random_bytes(1000, 100 + round),
                      p2new = random_bytes(2000, 200 + round);
    REQUIRE(put_part(*a.layer, key, up->upload_id, 1, p1).ok());
    REQUIRE(put_part(*a.layer, key, up->upload_id, 2, p2).ok());
    const std::vector<CompletedPart> list = {{1, hex_encode(md5_raw(p1))}, {2, hex_encode(md5_raw(p2))}};
    s3::Result<ObjectInfo> done = s3::Error(s3::Code::InternalError, "not run");
    s3::Result<ObjectInfo> part = s3::Error(s3::Code::InternalError, "not run");
    std::thread t1([&] { done = a.layer->complete_upload("b", key, up->upload_id, list, {}); });
    std::thread t2([&] { part = put_part(*b.layer, key, up->upload_id, 2, p2new); });
    t1.join();
    t2.join();
    if (done.ok()) {
      // The Complete froze the parts first: the late part is refused, the object is the listed bytes.
      ++completed;
      CHECK(!part.ok());
      if (!part.ok()) CHECK(part.error().code == s3::Code::NoSuchUpload);
      CHECK(read_all(b, key) == p1 + p2);
    } else {
      // The part landed first: its new ETag no longer matches the list; the upload stays.
      ++refused;
      CHECK(done.error().code == s3::Code::InvalidPart);
      REQUIRE(part.ok());
      auto parts = b.layer->list_parts("b", key, up->upload_id, 0, 10);
      REQUIRE(parts.ok());
      CHECK(parts->parts[1].etag == hex_encode(md5_raw(p2new)));
      REQUIRE(b.layer->abort_upload("b", key, up->upload_id).ok());
    }
  }
  INFO("completed " << completed << ", refused " << refused);
  // Nothing stored but the completed objects' parts.
  std::set<std::string> want;
  auto list = a.layer->list_objects("b", {});
  REQUIRE(list.ok());
  for (const auto& o : list->objects) {
    auto st = a.layer->stat_object("b", o.key, "");
    REQUIRE(st.ok());
    CHECK(st->parts.size() == 2);
  }
  CHECK(stored_ids(a).size() == 2 * list->objects.size());
  CHECK(a.layer->list_uploads("b", {})->uploads.empty());
}

TEST_CASE("rados: Complete racing Abort on two gateways: exactly one wins", "[rados][multipart]") {
  RadosEnv a([](RadosConfig& c) { c.gc_grace_ms = 0; });
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  for (int round = 0; round < 8; ++round) {
    const std::string key = "k" + std::to_string(round);
    const TwoParts up = two_part_upload(a, b, key, 300 + round);
    s3::Result<ObjectInfo> done = s3::Error(s3::Code::InternalError, "not run");
    s3::Status aborted = s3::Error(s3::Code::InternalError, "not run");
    std::thread t1([&] { done = a.layer->complete_upload("b", key, up.upload_id, up.list, {}); });
    std::thread t2([&] { aborted = b.layer->abort_upload("b", key, up.upload_id); });
    t1.join();
    t2.join();
    INFO("round " << round);
    CHECK(done.ok() != aborted.ok());
    if (done.ok()) {
      CHECK(aborted.error().code == s3::Code::NoSuchUpload);
      CHECK(read_all(b, key) == up.body);
    } else {
      CHECK(done.error().code == s3::Code::NoSuchUpload);
      CHECK(b.layer->stat_object("b", key, "").error().code == s3::Code::NoSuchKey);
    }
    CHECK(a.layer->get_upload("b", key, up.upload_id).error().code == s3::Code::NoSuchUpload);
  }
  auto list = a.layer->list_objects("b", {});
  REQUIRE(list.ok());
  CHECK(stored_ids(a).size() == 2 * list->objects.size());
  for (const char* kind : {"U", "P", "I"}) CHECK(a.shard_entries("b", kind).empty());
}

// The race above, decided at each step of the Complete in turn (Backend::test_step), so
// it is the same every run: an Abort that gets in after the Complete read the upload, or
// after it froze the parts, wins, and the Complete answers NoSuchUpload (as S3 does for
// an upload that is gone), never InvalidPart for the parts the Abort removed.
TEST_CASE("rados: an Abort between a Complete's steps wins: the Complete answers NoSuchUpload", "[rados][multipart]") {
  RadosEnv a([](RadosConfig& c) { c.gc_grace_ms = 0; });
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  int round = 0;
  for (const std::string step : {"complete: upload read", "complete: frozen"}) {
    const std::string key = "k" + std::to_string(round++);
    const TwoParts up = two_part_upload(a, a, key, 500 + round);
    int aborts = 0;
    s3::Status aborted = s3::Error(s3::Code::InternalError, "not run");
    a.backend().test_step = [&](std::string_view at) {
      if (at != step || aborts++ > 0) return;
      aborted = b.layer->abort_upload("b", key, up.upload_id);  // another gateway, to the end
    };
    auto done = a.layer->complete_upload("b", key, up.upload_id, up.list, {});
    a.backend().test_step = nullptr;
    INFO("Abort at " << step);
    REQUIRE(aborts >= 1);
    CHECK(aborted.ok());
    REQUIRE_FALSE(done.ok());
    CHECK(done.error().code == s3::Code::NoSuchUpload);
    CHECK(b.layer->stat_object("b", key, "").error().code == s3::Code::NoSuchKey);
    CHECK(a.layer->get_upload("b", key, up.upload_id).error().code == s3::Code::NoSuchUpload);
  }
  CHECK(stored_ids(a).empty());  // every part's data went to GC with the Abort
  for (const char* kind : {"U", "P", "I"}) CHECK(a.shard_entries("b", kind).empty());
}

TEST_CASE("rados: uploads past one op's worth of keys complete and abort in batches", "[rados][multipart]") {
  RadosEnv env([](RadosConfig& c) { c.gc_grace_ms = 0; });
  REQUIRE(env.layer->make_bucket("b").ok());
  constexpr int kParts = 700;  // more P entries than one op removes (500)
  auto fill = [&](const std::string& key) {
    auto up = env.layer->create_upload("b", key, {});
    REQUIRE(up.ok());
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        for (int n = 1 + t; n <= kParts; n += 8)
          if (!put_part(*env.layer, key, up->upload_id, n, "part " + std::to_string(n) + std::string(1000, 'x')).ok())
            ++failed;
      });
    for (auto& th : threads) th.join();
    REQUIRE(failed == 0);
    return up->upload_id;
  };
  const std::string done_id = fill("done");
  const std::string abort_id = fill("aborted");
  CHECK(env.shard_entries("b", "P").size() == 2 * kParts);
  CHECK(stored_ids(env).size() == 2 * kParts);
  auto parts = env.layer->list_parts("b", "done", done_id, 600, 1000);
  REQUIRE(parts.ok());
  CHECK(parts->parts.size() == kParts - 600);
  CHECK(parts->parts.front().number == 601);
  CHECK_FALSE(parts->truncated);

  // Complete with the last part only: 699 parts' data freed in batches, the one used kept.
  const std::string last = "part " + std::to_string(kParts) + std::string(1000, 'x');
  auto done = env.layer->complete_upload("b", "done", done_id, {{kParts, hex_encode(md5_raw(last))}}, {});
  REQUIRE(done.ok());
  CHECK(read_all(env, "done") == last);
  REQUIRE(env.layer->abort_upload("b", "aborted", abort_id).ok());
  CHECK(env.shard_entries("b", "P").empty());
  CHECK(env.shard_entries("b", "U").empty());
  CHECK(stored_ids(env).size() == 1);
  CHECK(env.layer->list_uploads("b", {})->uploads.empty());
}
