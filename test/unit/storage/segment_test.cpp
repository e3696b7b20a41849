// Small objects in segment files (erasure/segment_file.h, segment_store.h): the
// entry format and its scan, and objects at or under --inline-threshold written,
// read back through lost and damaged shards, reopened, rewritten, deleted and
// rebuilt into an index from the drives alone.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "damage.h"
#include "erasure/erasure_object_layer.h"
#include "erasure/fs.h"
#include "erasure/heal_object.h"
#include "erasure/healer.h"
#include "erasure/rebuild.h"
#include "erasure/segment_fds.h"
#include "erasure/segment_file.h"
#include "erasure/segment_reclaim.h"
#include "erasure/segment_store.h"
#include "storage_env.h"

using namespace silt;
using silt::test::flip_byte;
using silt::test::kBlock;
using silt::test::random_bytes;
using silt::test::StorageEnv;

namespace {

namespace stdfs = std::filesystem;

constexpr uint64_t kThreshold = 64 * 1024;

struct SmallEnv : StorageEnv {
  SmallEnv() {
    cfg.inline_threshold = kThreshold;
    reopen();
    REQUIRE(layer->make_bucket("b").ok());
  }
  ObjectRecord record(const std::string& key) {
    auto r = set().index->get_object("b", key);
    REQUIRE(r.ok());
    return *r;
  }
  // The segment file holding shard `shard` of key, and where its image starts.
  std::pair<std::string, uint64_t> shard_at(const std::string& key, size_t shard) {
    ObjectRecord r = record(key);
    REQUIRE(r.layout.in_segments());
    const Drive& d = set().pools[0]->drives[static_cast<size_t>(r.layout.distribution[shard])];
    return {segment_path(d.root(), r.layout.segments[shard].segment),
            r.layout.segments[shard].offset + kSegmentEntryHeader};
  }
  size_t segment_files() {
    size_t n = 0;
    for (const auto& d : cfg.drives) {
      std::error_code ec;
      for (const auto& f : stdfs::directory_iterator(segments_dir(d), ec)) n += f.path().extension() == ".seg";
    }
    return n;
  }
};

void wipe_drive(const std::string& root) {
  for (const auto& e : stdfs::directory_iterator(root)) stdfs::remove_all(e.path());
}

std::string write_segment(const std::string& path, const std::vector<std::string>& entries) {
  std::string all = encode_segment_file_header(7);
  for (const auto& e : entries) all += e;
  REQUIRE(fs::write_file(path, all).ok());
  return all;
}

std::vector<SegmentEntry> scan(const std::string& path, uint64_t* good = nullptr) {
  std::vector<SegmentEntry> out;
  auto r = scan_segment(path, [&](const SegmentEntry& e) { out.push_back(e); });
  REQUIRE(r.ok());
  if (good) *good = *r;
  return out;
}

RebuildStats rebuild(StorageEnv& env) {
  env.layer.reset();  // the server is stopped
  auto st = rebuild_index(env.cfg);
  INFO((st ? std::string() : st.error().message));
  REQUIRE(st.ok());
  env.reopen();
  return *st;
}

const std::string kId(32, 'a');
const std::string kId2(32, 'b');

}  // namespace

TEST_CASE("segment entries: round trip, torn tail, damaged record", "[segment]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/0000000000000007.seg";
  std::string image = encode_shard_header(ShardHeader{2, 4, 2, kBlock});
  const std::string block = random_bytes(100, 1);
  append_shard_block(image, reinterpret_cast<const uint8_t*>(block.data()), block.size());
  const std::string e1 = encode_segment_entry(SegmentEntryKind::Shard, 2, kId, image, R"({"v":1})");
  const std::string e2 = encode_segment_entry(SegmentEntryKind::Record, kSegmentNoShard, kId, {}, R"({"v":2})");
  const std::string e3 = encode_segment_entry(SegmentEntryKind::Dead, kSegmentNoShard, kId2, {}, {});
  const std::string all = write_segment(path, {e1, e2, e3});

  uint64_t good = 0;
  auto got = scan(path, &good);
  REQUIRE(got.size() == 3);
  CHECK(good == all.size());
  CHECK(got[0].kind == SegmentEntryKind::Shard);
  CHECK(got[0].shard_index == 2);
  CHECK(got[0].data_id == kId);
  CHECK(got[0].offset == kSegmentHeaderSize);
  CHECK(got[0].shard_len == image.size());
  CHECK(got[0].record == R"({"v":1})");
  CHECK(got[1].kind == SegmentEntryKind::Record);
  CHECK(got[1].offset == kSegmentHeaderSize + e1.size());
  CHECK(got[1].record == R"({"v":2})");
  CHECK(got[2].kind == SegmentEntryKind::Dead);
  CHECK(got[2].data_id == kId2);

  // The shard reads back through its SegmentRef, and only as what it is.
  SegmentFds fds;
  SegmentRef ref{7, kSegmentHeaderSize, static_cast<uint32_t>(image.size())};
  auto r = open_segment_shard(fds, dir.path(), ref, kId, ShardHeader{2, 4, 2, kBlock});
  (void)r;  // dir.path() is no drive root: segments live in <root>/segments
  const std::string root = dir.path() + "/drive";
  REQUIRE(fs::make_dirs(segments_dir(root)).ok());
  stdfs::copy_file(path, segment_path(root, 7));
  auto shard = open_segment_shard(fds, root, ref, kId, ShardHeader{2, 4, 2, kBlock});
  REQUIRE(shard.ok());
  std::string out(100, '\0');
  REQUIRE(shard->read_block(0, 100, reinterpret_cast<uint8_t*>(out.data())).ok());
  CHECK(out == block);
  CHECK_FALSE(open_segment_shard(fds, root, ref, kId2, ShardHeader{2, 4, 2, kBlock}).ok());  // another data id
  CHECK_FALSE(open_segment_shard(fds, root, ref, kId, ShardHeader{3, 4, 2, kBlock}).ok());   // another shard
  CHECK_FALSE(
      open_segment_shard(fds, root, {7, kSegmentHeaderSize + e1.size(), 0}, kId, ShardHeader{2, 4, 2, kBlock}).ok());
  CHECK_FALSE(
      open_segment_shard(fds, root, {7, 33, ref.length}, kId, ShardHeader{2, 4, 2, kBlock}).ok());  // no entry there
  // A flipped byte in the block: the header opens, the block's CRC catches it.
  flip_byte(segment_path(root, 7), kSegmentHeaderSize + kSegmentEntryHeader + ShardHeader::kSize + 5);
  auto bad = open_segment_shard(fds, root, ref, kId, ShardHeader{2, 4, 2, kBlock});
  REQUIRE(bad.ok());
  CHECK_FALSE(bad->read_block(0, 100, reinterpret_cast<uint8_t*>(out.data())).ok());

  // A crash tore the last entry: the scan keeps what came before it.
  stdfs::resize_file(path, all.size() - 3);
  got = scan(path, &good);
  CHECK(got.size() == 2);
  CHECK(good == kSegmentHeaderSize + e1.size() + e2.size());
  // A damaged record copy is passed on empty; its shard still counts.
  flip_byte(path, kSegmentHeaderSize + kSegmentEntryHeader + image.size() + 2);
  got = scan(path);
  REQUIRE(got.size() == 2);
  CHECK(got[0].record.empty());
  CHECK(got[0].shard_len == image.size());
  // A damaged entry header ends the scan.
  flip_byte(path, kSegmentHeaderSize + 20);
  CHECK(scan(path).empty());
  // Not a segment file at all.
  REQUIRE(fs::write_file(path, "nonsense").ok());
  CHECK_FALSE(scan_segment(path, [](const SegmentEntry&) {}).ok());

  uint64_t id = 0;
  CHECK(parse_segment_name("00000000000000ff.seg", id));
  CHECK(id == 255);
  CHECK_FALSE(parse_segment_name("00000000000000fg.seg", id));
  CHECK_FALSE(parse_segment_name("ff.seg", id));
}

TEST_CASE("small objects go to segments, not data dirs, and read back", "[segment]") {
  SmallEnv env;
  std::map<std::string, std::string> objects = {{"empty", ""},
                                                {"one", "x"},
                                                {"4k", random_bytes(4096, 2)},
                                                {"stripes", random_bytes(3 * kBlock + 5, 3)},
                                                {"limit", random_bytes(kThreshold, 4)}};
  for (const auto& [key, data] : objects) {
    auto info = env.put("b", key, data, 1000);
    REQUIRE(info.ok());
    CHECK(env.record(key).layout.in_segments());
  }
  CHECK(env.count_entries("data") == 0);
  CHECK(env.count_entries("tmp") == 0);
  CHECK(env.segment_files() == 6);  // one open segment per drive
  for (const auto& [key, data] : objects) {
    INFO(key);
    auto got = env.get("b", key);
    REQUIRE(got.ok());
    CHECK(*got == data);
  }
  auto range = env.get("b", "stripes", kBlock - 3, 10);
  REQUIRE(range.ok());
  CHECK(*range == objects["stripes"].substr(kBlock - 3, 10));
  // One byte over the threshold: a data dir like before, bytes intact.
  const std::string big = random_bytes(kThreshold + 1, 5);
  REQUIRE(env.put("b", "big", big, 4096).ok());
  CHECK_FALSE(env.record("big").layout.in_segments());
  CHECK(env.count_entries("data") == 6 * 3);  // 6 drives x (dir, part.1, meta.json)
  CHECK(*env.get("b", "big") == big);

  // Reopened, the layer starts new segments, as a new process does (the segment
  // state is the layer's, not the process's), and reads the old entries.
  env.reopen();
  REQUIRE(env.put("b", "after", "later").ok());
  CHECK(env.segment_files() == 12);
  for (const auto& [key, data] : objects) CHECK(*env.get("b", key) == data);
  CHECK(*env.get("b", "after") == "later");

  // Objects written with data dirs stay readable with the threshold on, and the reverse.
  env.cfg.inline_threshold = 0;
  env.reopen();
  REQUIRE(env.put("b", "dirs", "in a dir").ok());
  CHECK_FALSE(env.record("dirs").layout.in_segments());
  CHECK(*env.get("b", "4k") == objects["4k"]);
  env.cfg.inline_threshold = kThreshold;
  env.reopen();
  CHECK(*env.get("b", "dirs") == "in a dir");
}

TEST_CASE("segment shards: m lost drives and corrupt blocks are read through parity", "[segment]") {
  SmallEnv env;
  const std::string data = random_bytes(3 * kBlock + 77, 6);
  REQUIRE(env.put("b", "k", data).ok());
  // Two shards damaged in the same stripe: still decodable.
  auto [p0, at0] = env.shard_at("k", 0);
  auto [p3, at3] = env.shard_at("k", 3);
  flip_byte(p0, at0 + ShardHeader::kSize + (kBlock / 4 + 4) + 10);
  flip_byte(p3, at3 + ShardHeader::kSize + (kBlock / 4 + 4) + 100);
  auto got = env.get("b", "k");
  REQUIRE(got.ok());
  CHECK(*got == data);
  // A third damaged shard in that stripe is one too many: the read fails, it does not lie.
  auto [p1, at1] = env.shard_at("k", 1);
  flip_byte(p1, at1 + ShardHeader::kSize + (kBlock / 4 + 4) + 20);
  auto bad = env.get("b", "k");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == s3::Code::InternalError);
  CHECK(bad.error().message.find("stripe 1") != std::string::npos);

  // m wiped drives: reads rebuild; a write after the wipe lands on fresh segments.
  const std::string data2 = random_bytes(2 * kBlock + 1, 7);
  REQUIRE(env.put("b", "k2", data2).ok());
  wipe_drive(env.cfg.drives[1]);
  wipe_drive(env.cfg.drives[4]);
  REQUIRE(env.get("b", "k2").ok());
  CHECK(*env.get("b", "k2") == data2);
  const std::string data3 = random_bytes(999, 8);
  REQUIRE(env.put("b", "k3", data3).ok());
  CHECK(*env.get("b", "k3") == data3);
  for (size_t i = 0; i < 6; ++i) CHECK(env.record("k3").layout.segments[i].length > 0);
  wipe_drive(env.cfg.drives[2]);
  auto lost = env.get("b", "k2");
  if (lost.ok()) {
    // k2's shards may avoid drive 2 ... they cannot: every drive holds one of 6 shards.
    FAIL("read with three of six shards gone");
  }
  CHECK(lost.error().message.find("shards") != std::string::npos);
}

TEST_CASE("segment objects: scrub finds damage and repair appends a fresh shard at a new place", "[segment]") {
  SmallEnv env;
  const std::string data = random_bytes(2 * kBlock + 3, 9);
  REQUIRE(env.put("b", "k", data).ok());
  ObjectRecord rec = env.record("k");
  auto clean = heal_version(env.set(), rec, /*deep=*/true, /*repair=*/false);
  REQUIRE(clean.ok());
  CHECK(clean->shards_checked == 6);
  CHECK(clean->shards_bad == 0);
  CHECK(clean->bytes_verified > 0);
  auto [p, at] = env.shard_at("k", 2);
  flip_byte(p, at + ShardHeader::kSize + 7);
  auto shallow = heal_version(env.set(), rec, false, false);
  REQUIRE(shallow.ok());
  CHECK(shallow->shards_bad == 0);  // headers only
  auto deep = heal_version(env.set(), rec, true, false);
  REQUIRE(deep.ok());
  CHECK(deep->shards_bad == 1);
  CHECK_FALSE(deep->lost);
  CHECK(env.record("k").layout.segments == rec.layout.segments);  // a check writes nothing

  auto repair = heal_version(env.set(), rec, true, true);
  REQUIRE(repair.ok());
  CHECK(repair->shards_repaired == 1);
  CHECK(repair->bytes_written > 0);
  CHECK(env.count_entries("data") == 0);
  ObjectRecord healed = env.record("k");
  CHECK(healed.layout.segments[2] != rec.layout.segments[2]);  // only shard 2 moved
  for (size_t i : {0, 1, 3, 4, 5}) CHECK(healed.layout.segments[i] == rec.layout.segments[i]);
  auto again = heal_version(env.set(), healed, true, false);
  REQUIRE(again.ok());
  CHECK(again->shards_bad == 0);
  // Rebuild-index takes the newer entry of shard 2 (the later one wins).
  rebuild(env);
  CHECK(env.record("k").layout.segments == healed.layout.segments);
  // The repaired shard carries the object: with two other drives gone it is needed.
  wipe_drive(env.cfg.drives[static_cast<size_t>(healed.layout.distribution[0])]);
  wipe_drive(env.cfg.drives[static_cast<size_t>(healed.layout.distribution[1])]);
  CHECK(*env.get("b", "k") == data);
}

TEST_CASE("segment heal loses to an overwrite or delete that came first", "[segment]") {
  SmallEnv env;
  REQUIRE(env.put("b", "k", random_bytes(5000, 21)).ok());
  ObjectRecord seen = env.record("k");
  auto [p, at] = env.shard_at("k", 4);
  flip_byte(p, at + ShardHeader::kSize + 3);
  // Overwritten after the healer read its record: the heal commits nothing.
  const std::string now = random_bytes(700, 22);
  REQUIRE(env.put("b", "k", now).ok());
  ObjectRecord current = env.record("k");
  auto r = heal_version(env.set(), seen, true, true);
  REQUIRE(r.ok());
  CHECK(r->gone);
  CHECK(r->shards_repaired == 0);
  CHECK(env.record("k").layout.segments == current.layout.segments);
  CHECK(*env.get("b", "k") == now);
  // A shard someone else moved first: the stale move is refused as a whole.
  std::vector<std::pair<size_t, SegmentRef>> stale = {{0, SegmentRef{99, 32, 10}}};
  ObjectRecord old = current;
  old.layout.segments[0].offset += 1;
  CHECK(env.set().index->move_segments_if(old, stale).error().code == s3::Code::NoSuchKey);
  CHECK(env.record("k").layout.segments == current.layout.segments);
  // Deleted: nothing to move either.
  REQUIRE(env.layer->delete_object("b", "k").ok());
  CHECK(env.set().index->move_segments_if(current, stale).error().code == s3::Code::NoSuchKey);
}

TEST_CASE("a wiped drive's segment shards are rebuilt by the rebuild pass", "[segment]") {
  SmallEnv env;
  std::map<std::string, std::string> objects;
  for (int i = 0; i < 8; ++i)
    objects["k" + std::to_string(i)] = random_bytes(static_cast<size_t>(i) * 3000 + 1, 30 + i);
  for (const auto& [k, v] : objects) REQUIRE(env.put("b", k, v).ok());
  stdfs::remove_all(env.cfg.drives[3]);
  auto healer = std::make_unique<Healer>(dynamic_cast<ErasureObjectLayer&>(*env.layer), HealerOptions{});
  healer->check_drives();
  REQUIRE(env.set().pools.front()->drives[3].state() == DriveState::Healing);
  HealPass pass = healer->run_pass(HealKind::Rebuild);
  CHECK(pass.errors == 0);
  CHECK(pass.shards_repaired == objects.size());
  CHECK(env.set().pools.front()->drives[3].state() == DriveState::Online);
  // Drive 3 carries its share again: two other drives lost, every object reads.
  wipe_drive(env.cfg.drives[0]);
  wipe_drive(env.cfg.drives[5]);
  for (const auto& [k, v] : objects) CHECK(*env.get("b", k) == v);
}

TEST_CASE("segment objects: delete and overwrite leave Dead entries; rebuild-index restores the rest", "[segment]") {
  SmallEnv env;
  ObjectLayer& l = *env.layer;
  REQUIRE(l.make_bucket("v").ok());
  REQUIRE(l.set_versioning("v", Versioning::Enabled).ok());
  const std::string a = random_bytes(5000, 10), b1 = random_bytes(300, 11), b2 = random_bytes(7000, 12);
  REQUIRE(env.put("b", "a", a).ok());
  REQUIRE(env.put("b", "b", b1).ok());
  const std::string old_b = env.data_id("b", "b");
  REQUIRE(env.put("b", "b", b2).ok());  // overwrite
  REQUIRE(env.put("b", "gone", "delete me").ok());
  const std::string gone_id = env.data_id("b", "gone");
  REQUIRE(l.delete_object("b", "gone").ok());
  ObjectMeta m;
  m.content_type = "text/x-small";
  m.user = {{"colour", "blue"}};
  REQUIRE(l.update_metadata("b", "a", m).ok());
  REQUIRE(l.set_tags("b", "a", "", {{"t", "1"}}).ok());
  auto v1 = env.put("v", "k", "first");
  auto v2 = env.put("v", "k", "second");
  REQUIRE((v1.ok() && v2.ok()));
  REQUIRE(l.delete_object("v", "k").ok());  // a delete marker on top

  // Every drive's segments say which data ids died.
  std::set<std::string> dead;
  for (const auto& d : env.cfg.drives)
    for (const auto& f : stdfs::directory_iterator(segments_dir(d)))
      (void)scan_segment(f.path().string(), [&](const SegmentEntry& e) {
        if (e.kind == SegmentEntryKind::Dead) dead.insert(e.data_id);
      });
  CHECK(dead == std::set<std::string>{old_b, gone_id});

  auto head_a = l.stat_object("b", "a");
  REQUIRE(head_a.ok());
  RebuildStats st = rebuild(env);
  CHECK(st.versions == 4);  // a, b, v/k x2
  CHECK(st.delete_markers == 1);
  CHECK(*env.get("b", "a") == a);
  CHECK(*env.get("b", "b") == b2);
  CHECK(env.layer->stat_object("b", "gone").error().code == s3::Code::NoSuchKey);
  auto after = env.layer->stat_object("b", "a");
  REQUIRE(after.ok());
  CHECK(after->meta.content_type == "text/x-small");
  CHECK(after->meta.user == head_a->meta.user);
  CHECK(after->meta.tags == std::vector<std::pair<std::string, std::string>>{{"t", "1"}});
  CHECK(after->etag == head_a->etag);
  CHECK(*env.get_version("v", "k", v1->version_id) == "first");
  CHECK(*env.get_version("v", "k", v2->version_id) == "second");
  CHECK(env.record("a").layout.in_segments());
  // The rebuilt index names the same places: a read needs no other lookup.
  auto deep = heal_version(env.set(), env.record("b"), true, false);
  REQUIRE(deep.ok());
  CHECK(deep->shards_bad == 0);
}

namespace {

// Bytes of every segment file of every drive, and how many there are.
std::pair<uint64_t, size_t> segment_usage(const StorageEnv& env) {
  uint64_t bytes = 0;
  size_t files = 0;
  for (const auto& d : env.cfg.drives) {
    std::error_code ec;
    for (const auto& f : stdfs::directory_iterator(segments_dir(d), ec)) {
      bytes += f.file_size();
      ++files;
    }
  }
  return {bytes, files};
}

}  // namespace

TEST_CASE("reclaim: dead segments go, mostly dead ones are compacted, live objects stay whole", "[segment]") {
  SmallEnv env;
  env.cfg.segment_size = 16 * 1024;  // a segment closes after about ten of these objects
  env.reopen();
  std::map<std::string, std::string> live;
  for (int i = 0; i < 60; ++i) {
    const std::string key = "k" + std::to_string(i);
    live[key] = random_bytes(3000 + static_cast<size_t>(i), 100 + i);
    REQUIRE(env.put("b", key, live[key]).ok());
  }
  const auto [full_bytes, full_files] = segment_usage(env);
  CHECK(full_files > 6 * 4);
  // Most objects deleted, a few overwritten: most sealed segments hold little live.
  std::set<std::string> gone;
  for (int i = 0; i < 60; ++i) {
    const std::string key = "k" + std::to_string(i);
    if (i % 6 == 0) {
      live[key] = random_bytes(2000, 300 + i);
      REQUIRE(env.put("b", key, live[key]).ok());
    } else if (i % 6 != 1) {
      REQUIRE(env.layer->delete_object("b", key).ok());
      live.erase(key);
      gone.insert(key);
    }
  }
  auto r = reclaim_segments(env.set());
  REQUIRE(r.ok());
  CHECK(r->segments_removed > 0);
  CHECK(r->entries_moved > 0);
  CHECK(r->segments_kept == 0);
  const auto [after_bytes, after_files] = segment_usage(env);
  INFO(full_bytes << " bytes before, " << after_bytes << " after");
  CHECK(after_files < full_files);
  CHECK(after_bytes < full_bytes / 2);
  for (const auto& [k, v] : live) CHECK(*env.get("b", k) == v);
  // A second pass finds nothing more to do on what it just wrote.
  auto again = reclaim_segments(env.set());
  REQUIRE(again.ok());
  CHECK(again->segments_kept == 0);

  // Rebuild-index from the compacted drives: the live objects, and no deleted one back.
  RebuildStats st = rebuild(env);
  CHECK(st.versions == live.size());
  for (const auto& [k, v] : live) CHECK(*env.get("b", k) == v);
  for (const auto& k : gone) CHECK(env.layer->stat_object("b", k).error().code == s3::Code::NoSuchKey);
  // The moved shards are real: two drives lost, every live object still reads.
  wipe_drive(env.cfg.drives[1]);
  wipe_drive(env.cfg.drives[4]);
  for (const auto& [k, v] : live) CHECK(*env.get("b", k) == v);
}

TEST_CASE("reclaim: a segment with a commit still to come is left alone; torn tails are cut", "[segment]") {
  SmallEnv env;
  env.cfg.segment_size = 16 * 1024;
  env.reopen();
  REQUIRE(env.put("b", "k0", random_bytes(3000, 400)).ok());
  const std::string root = env.cfg.drives[0];
  SegmentStore& store = env.set().segments.store(root);
  // A shard a writer appended and has not committed yet (no record names it).
  ObjectRecord never = env.record("k0");
  never.layout.segments.clear();
  never.info.key = "never-committed";
  const std::string entry =
      encode_segment_entry(SegmentEntryKind::Shard, 0, kId, std::string(500, 'x'), encode_object_record(never));
  auto pending = store.append(entry, /*pending=*/true);
  REQUIRE(pending.ok());
  for (int i = 1; i < 30; ++i) REQUIRE(env.put("b", "k" + std::to_string(i), random_bytes(3000, 400 + i)).ok());
  REQUIRE(store.open_segment() != pending->segment);  // sealed since
  for (int i = 0; i < 30; ++i) REQUIRE(env.layer->delete_object("b", "k" + std::to_string(i)).ok());

  // A crash cut a write short: half an entry at the end of a sealed file.
  const std::string path = segment_path(root, pending->segment);
  const uint64_t size = stdfs::file_size(path);
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f.write(entry.data(), 100);
  }
  ReclaimOptions sweep;
  sweep.sweep_tails = true;
  sweep.compact_below = 0;  // only tails are looked at
  auto r = reclaim_segments(env.set(), sweep);
  REQUIRE(r.ok());
  CHECK(r->tails_truncated == 0);  // the file with a commit to come is not touched
  store.settle(pending->segment);
  r = reclaim_segments(env.set(), sweep);
  REQUIRE(r.ok());
  CHECK(r->tails_truncated == 1);
  CHECK(stdfs::file_size(path) == size);

  // Nothing live: every sealed segment goes, but only once the commit is settled.
  auto again = store.append(entry, /*pending=*/true);
  REQUIRE(again.ok());
  for (int i = 0; i < 20; ++i) REQUIRE(env.put("b", "x" + std::to_string(i), random_bytes(3000, 500 + i)).ok());
  for (int i = 0; i < 20; ++i) REQUIRE(env.layer->delete_object("b", "x" + std::to_string(i)).ok());
  REQUIRE(store.open_segment() != again->segment);
  auto all = reclaim_segments(env.set());
  REQUIRE(all.ok());
  CHECK(stdfs::exists(segment_path(root, again->segment)));
  CHECK_FALSE(stdfs::exists(path));
  store.settle(again->segment);
  all = reclaim_segments(env.set());
  REQUIRE(all.ok());
  CHECK_FALSE(stdfs::exists(segment_path(root, again->segment)));
  CHECK(segment_usage(env).second == 6);  // the open segments
}
