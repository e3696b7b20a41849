// GET's read path on RADOS: the open of a GET reads the version its stat read without a
// second index read (rados/stat_handoff.h), whatever another gateway does meanwhile; and
// readers tell when their next read() would not wait (ObjectReader::when_ready), so the
// server waits for the network without a blocking thread.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "rados/stat_handoff.h"
#include "rados_env.h"

using namespace silt;
using silt::test::kStripe;
using silt::test::RadosEnv;
using silt::test::random_bytes;

namespace {

constexpr int64_t kHour = 60 * 60 * 1000;

// Reads [off, off+len) of info through open_object, the way the server streams a body:
// when_ready first and, when Pending, a wait for its wake (at most 10 s) before read().
// Counts the answers in waits.
struct Waits {
  int ready = 0, pending = 0, unsupported = 0;
};
s3::Result<std::string> read_when_ready(ObjectLayer& l, const ObjectInfo& info, uint64_t off, uint64_t len,
                                        Waits& waits, size_t chunk = 100000) {
  auto r = l.open_object(info, off, len);
  if (!r) return r.error();
  std::string out;
  std::vector<char> buf(chunk);
  for (;;) {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
    auto w = (*r)->when_ready([&] {
      std::lock_guard lock(mu);
      woken = true;
      cv.notify_all();
    });
    if (w == ObjectReader::Wait::Pending) {
      ++waits.pending;
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return woken; }))
        return s3::Error(s3::Code::InternalError, "when_ready said Pending and never woke");
    } else if (w == ObjectReader::Wait::Ready) {
      ++waits.ready;
    } else {
      ++waits.unsupported;
    }
    auto n = (*r)->read(buf.data(), buf.size());
    if (!n) return n.error();
    if (*n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

ObjectRecord record(const std::string& key, const std::string& etag, uint64_t size, int64_t mtime, size_t parts = 0) {
  ObjectRecord r;
  r.info.bucket = "b";
  r.info.key = key;
  r.info.etag = etag;
  r.info.size = size;
  r.info.mtime_ms = mtime;
  r.layout.data_id = "id-" + key;
  r.parts.resize(parts);
  return r;
}

}  // namespace

TEST_CASE("rados reads: the handoff answers only the identity it was given, for a quarter of the grace",
          "[rados][read]") {
  rados::StatHandoff h(4000);  // TTL 1000 ms
  const ObjectRecord rec = record("k", "e1", 10, 5);
  h.put(rec, "shard-1", 1000);
  auto found = h.find(rec.info, 1999);
  REQUIRE(found);
  CHECK(found->shard == "shard-1");
  CHECK(found->rec.layout.data_id == "id-k");
  CHECK(h.find(rec.info, 1500) != nullptr);  // found again: it stays for concurrent GETs
  CHECK(h.find(rec.info, 2000) == nullptr);  // the TTL is over
  CHECK(h.find(rec.info, 999) == nullptr);   // a clock that went back
  for (auto change : std::vector<std::function<void(ObjectInfo&)>>{
           [](ObjectInfo& i) { i.etag = "e2"; }, [](ObjectInfo& i) { i.size = 11; },
           [](ObjectInfo& i) { i.mtime_ms = 6; }, [](ObjectInfo& i) { i.version_id = "v"; },
           [](ObjectInfo& i) { i.key = "k2"; }, [](ObjectInfo& i) { i.bucket = "c"; },
           [](ObjectInfo& i) { i.meta.sse.sealed_key = "another data key"; }}) {
    ObjectInfo other = rec.info;
    change(other);
    CHECK(h.find(other, 1500) == nullptr);
  }
  // Without a grace period nothing is kept: the data of a replaced version may go at once.
  rados::StatHandoff none(0);
  none.put(rec, "shard-1", 1000);
  CHECK(none.find(rec.info, 1000) == nullptr);
  // Bounded: the oldest go once the entries and their parts pass kMaxWeight.
  rados::StatHandoff small(kHour);
  small.put(record("big", "e", 1, 1, rados::StatHandoff::kMaxWeight), "s", 1);  // too big: not kept
  CHECK(small.find(record("big", "e", 1, 1).info, 1) == nullptr);
  const size_t half = rados::StatHandoff::kMaxWeight / 2;
  small.put(record("a", "e", 1, 1, half - 1), "s", 1);
  small.put(record("b", "e", 1, 1, half - 1), "s", 2);
  CHECK(small.find(record("a", "e", 1, 1).info, 3) != nullptr);
  small.put(record("c", "e", 1, 1, 10), "s", 3);
  CHECK(small.find(record("a", "e", 1, 1).info, 4) == nullptr);
  CHECK(small.find(record("b", "e", 1, 1).info, 4) != nullptr);
  CHECK(small.find(record("c", "e", 1, 1).info, 4) != nullptr);
}

TEST_CASE("rados reads: a GET opens the version its stat read, whatever another gateway did since", "[rados][read]") {
  RadosEnv a([](RadosConfig& c) { c.gc_grace_ms = kHour; });
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  const std::string v1 = random_bytes(3 * kStripe + 17, 1), v2 = random_bytes(2 * kStripe, 2);
  REQUIRE(a.put("b", "k", v1).ok());
  auto info = a.layer->stat_object("b", "k", "");
  REQUIRE(info.ok());
  // Overwritten on the other gateway after this GET's stat: the GET answers what it saw.
  REQUIRE(b.put("b", "k", v2).ok());
  Waits waits;
  auto got = read_when_ready(*a.layer, *info, 0, info->size, waits);
  REQUIRE(got.ok());
  CHECK(*got == v1);
  got = read_when_ready(*a.layer, *info, kStripe - 5, kStripe + 10, waits);
  REQUIRE(got.ok());
  CHECK(*got == v1.substr(kStripe - 5, kStripe + 10));
  // ... and every later GET, on either gateway, the new version: no stat is answered from memory.
  CHECK(*a.get("b", "k") == v2);
  CHECK(*b.get("b", "k") == v2);
  // Deleted on the other gateway after the stat: the same.
  auto info2 = a.layer->stat_object("b", "k", "");
  REQUIRE(info2.ok());
  REQUIRE(b.layer->delete_object("b", "k", "", nullptr).ok());
  got = read_when_ready(*a.layer, *info2, 0, info2->size, waits);
  REQUIRE(got.ok());
  CHECK(*got == v2);
  CHECK(a.layer->stat_object("b", "k", "").error().code == s3::Code::NoSuchKey);
  // A named version deleted for good after its stat.
  REQUIRE(a.layer->set_versioning("b", Versioning::Enabled).ok());
  auto p1 = a.put("b", "v", v1);
  REQUIRE(p1.ok());
  REQUIRE(a.put("b", "v", v2).ok());
  auto named = a.layer->stat_object("b", "v", p1->version_id);
  REQUIRE(named.ok());
  CHECK(!named->is_latest);
  REQUIRE(b.layer->delete_object("b", "v", p1->version_id, nullptr).ok());
  got = read_when_ready(*a.layer, *named, 0, named->size, waits);
  REQUIRE(got.ok());
  CHECK(*got == v1);
  CHECK(a.layer->stat_object("b", "v", p1->version_id).error().code == s3::Code::NoSuchVersion);
  // An inlined version's bytes go with it when it is replaced: that open still answers
  // 503 (clients retry), as before.
  REQUIRE(a.layer->make_bucket("u").ok());
  REQUIRE(a.put("u", "small", "inlined in the index").ok());
  auto small = a.layer->stat_object("u", "small", "");
  REQUIRE(small.ok());
  REQUIRE(b.put("u", "small", "replaced on b").ok());
  auto r = a.layer->open_object(*small, 0, small->size);
  REQUIRE(!r.ok());
  CHECK(r.error().code == s3::Code::ServiceUnavailable);
}

TEST_CASE("rados reads: with no GC grace an open reads the index again", "[rados][read]") {
  RadosEnv a([](RadosConfig& c) { c.gc_grace_ms = 0; });
  RadosEnv b = a.peer();
  REQUIRE(a.layer->make_bucket("b").ok());
  REQUIRE(a.put("b", "k", random_bytes(2 * kStripe, 3)).ok());
  auto info = a.layer->stat_object("b", "k", "");
  REQUIRE(info.ok());
  REQUIRE(b.put("b", "k", random_bytes(2 * kStripe, 4)).ok());
  REQUIRE(b.rados().collect_garbage().ok());  // the first version's data is gone
  auto r = a.layer->open_object(*info, 0, info->size);
  REQUIRE(!r.ok());
  CHECK(r.error().code == s3::Code::ServiceUnavailable);
}

TEST_CASE("rados reads: readers tell when a read would not wait", "[rados][read]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  // Plain data over several objects, read in pieces that end inside and across them.
  const std::string plain = random_bytes(6 * kStripe + 5, 5);
  REQUIRE(env.put("b", "plain", plain).ok());
  auto info = l.stat_object("b", "plain", "");
  REQUIRE(info.ok());
  for (size_t chunk : {size_t{1000}, size_t{kStripe}, size_t{3 * kStripe}}) {
    Waits waits;
    auto got = read_when_ready(l, *info, 7, info->size - 7, waits, chunk);
    REQUIRE(got.ok());
    CHECK(*got == plain.substr(7));
    CHECK(waits.unsupported == 0);
    CHECK(waits.ready + waits.pending > 0);
  }
  // A multipart version: the parts one after another, across the boundary.
  auto up = l.create_upload("b", "mp", {});
  REQUIRE(up.ok());
  const std::string p1 = random_bytes(5u << 20, 6), p2 = random_bytes(kStripe + 9, 7);
  std::vector<CompletedPart> parts;
  for (auto [n, data] : {std::pair<int, const std::string*>{1, &p1}, {2, &p2}}) {
    auto w = l.create_part("b", "mp", up->upload_id, n);
    REQUIRE(w.ok());
    REQUIRE((*w)->write(data->data(), data->size()).ok());
    auto c = (*w)->commit({});
    REQUIRE(c.ok());
    parts.emplace_back(n, c->etag);
  }
  REQUIRE(l.complete_upload("b", "mp", up->upload_id, parts).ok());
  auto mp = l.stat_object("b", "mp", "");
  REQUIRE(mp.ok());
  Waits mwaits;
  auto got = read_when_ready(l, *mp, p1.size() - 100, 200, mwaits, 64);
  REQUIRE(got.ok());
  CHECK(*got == (p1 + p2).substr(p1.size() - 100, 200));
  CHECK(mwaits.unsupported == 0);
  // Inlined bytes are in memory: always Ready.
  REQUIRE(env.put("b", "inline", "tiny").ok());
  auto in = l.stat_object("b", "inline", "");
  REQUIRE(in.ok());
  Waits iwaits;
  CHECK(*read_when_ready(l, *in, 0, 4, iwaits) == "tiny");
  CHECK(iwaits.pending == 0);
  CHECK(iwaits.unsupported == 0);
  // A compressed pool's objects are decoded in read(): work for the blocking pool.
  std::string text;
  for (int i = 0; text.size() < 2 * kStripe; ++i) text += "line " + std::to_string(i) + " of compressible text\n";
  auto w = l.create_object("b", "text", {}, "STANDARD_IA");
  REQUIRE(w.ok());
  REQUIRE((*w)->write(text.data(), text.size()).ok());
  REQUIRE((*w)->commit({}).ok());
  auto ti = l.stat_object("b", "text", "");
  REQUIRE(ti.ok());
  Waits twaits;
  CHECK(*read_when_ready(l, *ti, 0, ti->size, twaits) == text);
  CHECK(twaits.unsupported > 0);
  CHECK(twaits.pending == 0);
}

TEST_CASE("rados reads: a reader dropped with reads in flight and a wake registered", "[rados][read]") {
  RadosEnv env;
  auto& l = *env.layer;
  REQUIRE(l.make_bucket("b").ok());
  REQUIRE(env.put("b", "k", random_bytes(8 * kStripe, 8)).ok());
  auto info = l.stat_object("b", "k", "");
  REQUIRE(info.ok());
  for (int i = 0; i < 20; ++i) {
    auto r = l.open_object(*info, 0, info->size);
    REQUIRE(r.ok());
    std::atomic<int> woke{0};
    (void)(*r)->when_ready([&] { ++woke; });
    r->reset();  // waits for its reads; the wake is forgotten, never called after this
    const int seen = woke.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(woke.load() == seen);
    CHECK(seen <= 1);
  }
}
