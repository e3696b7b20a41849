#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "damage.h"
#include "erasure/fs.h"
#include "erasure/shard_file.h"
#include "storage_env.h"
#include "util/hash.h"
#include "util/random_id.h"

using namespace silt;
using silt::test::flip_byte;
using silt::test::kBlock;
using silt::test::random_bytes;
using silt::test::StorageEnv;

namespace {

// Path of shard `shard`'s file for bucket/key.
std::string shard_path(StorageEnv& env, const std::string& bucket, const std::string& key, int shard) {
  auto rec = env.set().index->get_object(bucket, key);
  REQUIRE(rec.ok());
  const Drive& d =
      env.set().pools[0]->drives[static_cast<size_t>(rec->layout.distribution[static_cast<size_t>(shard)])];
  return d.data_dir(rec->layout.data_id) + "/part.1";
}

void wipe_drive(const std::string& root) {
  for (const auto& e : std::filesystem::directory_iterator(root)) std::filesystem::remove_all(e.path());
}

}  // namespace

TEST_CASE("reads survive m wiped drives and fail clearly beyond that", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(3 * kBlock + 5, 11);
  REQUIRE(env.put("b", "k", data).ok());
  wipe_drive(env.cfg.drives[1]);
  wipe_drive(env.cfg.drives[2]);
  auto got = env.get("b", "k");
  REQUIRE(got.ok());
  CHECK(*got == data);

  // Later writes recreate what the wipe removed, format.json included.
  const std::string data2 = random_bytes(kBlock + 9, 12);
  REQUIRE(env.put("b", "k2", data2).ok());
  CHECK(fs::exists(env.cfg.drives[1] + "/format.json"));
  CHECK(fs::exists(env.cfg.drives[2] + "/data"));
  REQUIRE(env.get("b", "k2").ok());
  CHECK(*env.get("b", "k2") == data2);

  wipe_drive(env.cfg.drives[4]);
  auto bad = env.get("b", "k");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == s3::Code::InternalError);
  CHECK(bad.error().message.find("shards") != std::string::npos);
}

TEST_CASE("corrupt shard blocks are rebuilt from parity", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(4 * kBlock + 77, 13);
  REQUIRE(env.put("b", "k", data).ok());
  ShardHeader h{0, 4, 2, kBlock};
  // Two different shards damaged in the same stripe: still decodable.
  flip_byte(shard_path(env, "b", "k", 0), h.block_offset(1) + 10);
  flip_byte(shard_path(env, "b", "k", 3), h.block_offset(1) + 1000);
  // A third in another stripe, and a truncated shard file.
  flip_byte(shard_path(env, "b", "k", 5), h.block_offset(2) + 3);
  auto got = env.get("b", "k");
  REQUIRE(got.ok());
  CHECK(*got == data);
  auto part = env.get("b", "k", kBlock + 5, 17);
  REQUIRE(part.ok());
  CHECK(*part == data.substr(kBlock + 5, 17));

  // A third damaged shard in stripe 1 is one too many: the read must fail, not lie.
  flip_byte(shard_path(env, "b", "k", 1), h.block_offset(1) + 20);
  auto bad = env.get("b", "k");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == s3::Code::InternalError);
  CHECK(bad.error().message.find("stripe 1") != std::string::npos);
  // Stripe 0 is still fine.
  auto first = env.get("b", "k", 0, kBlock);
  REQUIRE(first.ok());
  CHECK(*first == data.substr(0, kBlock));
}

TEST_CASE("truncated and missing shard files count as erasures", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(2 * kBlock + 1, 14);
  REQUIRE(env.put("b", "k", data).ok());
  std::filesystem::resize_file(shard_path(env, "b", "k", 2), 40);
  std::filesystem::remove(shard_path(env, "b", "k", 4));
  auto got = env.get("b", "k");
  REQUIRE(got.ok());
  CHECK(*got == data);
}

TEST_CASE("overwrite and delete remove the old data directory", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.put("b", "k", random_bytes(100, 1)).ok());
  std::string old_id = env.data_id("b", "k");
  for (const auto& d : env.set().pools[0]->drives) CHECK(fs::exists(d.data_dir(old_id)));
  REQUIRE(env.put("b", "k", random_bytes(200, 2)).ok());
  std::string new_id = env.data_id("b", "k");
  CHECK(new_id != old_id);
  for (const auto& d : env.set().pools[0]->drives) {
    CHECK_FALSE(fs::exists(d.data_dir(old_id)));
    CHECK(fs::exists(d.data_dir(new_id)));
  }
  REQUIRE(env.layer->delete_object("b", "k").ok());
  for (const auto& d : env.set().pools[0]->drives) CHECK_FALSE(fs::exists(d.data_dir(new_id)));
}

TEST_CASE("startup recovery removes orphans and temp files", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(kBlock + 3, 21);
  REQUIRE(env.put("b", "keep", data).ok());
  std::string keep = env.data_id("b", "keep");
  // A crash between rename and index commit leaves a data dir nobody references,
  // and a crash mid-write leaves tmp/ content.
  const std::string orphan = "ab0123456789abcdef0123456789abcd";
  const std::string unknown = "cd0123456789abcdef0123456789abcd";
  ObjectRecord orphan_rec;
  orphan_rec.info.bucket = "b";
  orphan_rec.info.key = "lost";
  orphan_rec.layout = {4, 2, kBlock, orphan, {0, 1, 2, 3, 4, 5}, "", "", 0};
  ObjectRecord unknown_rec = orphan_rec;
  unknown_rec.info.bucket = "not-in-index";
  unknown_rec.layout.data_id = unknown;
  for (const auto& d : env.cfg.drives) {
    std::filesystem::create_directories(d + "/data/ab/" + orphan);
    std::ofstream(d + "/data/ab/" + orphan + "/part.1") << "x";
    std::ofstream(d + "/data/ab/" + orphan + "/meta.json") << encode_object_record(orphan_rec);
    // Data of a bucket the index does not know: the index may have been lost, keep it.
    std::filesystem::create_directories(d + "/data/cd/" + unknown);
    std::ofstream(d + "/data/cd/" + unknown + "/meta.json") << encode_object_record(unknown_rec);
    // A directory without meta.json is unusable: removed.
    std::filesystem::create_directories(d + "/data/ef/ef0123456789abcdef0123456789abcd");
    std::filesystem::create_directories(d + "/tmp/deadbeef");
    std::ofstream(d + "/tmp/deadbeef/part.1") << "y";
  }
  env.reopen();
  for (const auto& d : env.set().pools[0]->drives) {
    CHECK_FALSE(fs::exists(d.data_dir(orphan)));
    CHECK_FALSE(fs::exists(d.data_dir("ef0123456789abcdef0123456789abcd")));
    CHECK(fs::exists(d.data_dir(unknown)));
    CHECK(fs::exists(d.data_dir(keep)));
  }
  CHECK(env.count_entries("tmp") == 0);
  auto got = env.get("b", "keep");
  REQUIRE(got.ok());
  CHECK(*got == data);
}

TEST_CASE("drives are formatted once and keep their identity", "[layer]") {
  StorageEnv env;
  auto f0 = fs::read_file(env.cfg.drives[0] + "/format.json");
  REQUIRE(f0.ok());
  auto fmt0 = decode_drive_format(*f0);
  REQUIRE(fmt0.ok());
  CHECK(fmt0->index == 0);
  CHECK(fmt0->drive_count == 6);
  auto fmt3 = decode_drive_format(*fs::read_file(env.cfg.drives[3] + "/format.json"));
  REQUIRE(fmt3.ok());
  CHECK(fmt3->set_id == fmt0->set_id);
  CHECK(fmt3->drive_id != fmt0->drive_id);
  env.reopen();
  CHECK(*fs::read_file(env.cfg.drives[0] + "/format.json") == *f0);
  // Drives listed in another order go back to the slots their formats name.
  std::swap(env.cfg.drives[0], env.cfg.drives[1]);
  env.reopen();
  const auto& drives = env.set().pools.front()->drives;
  CHECK(drives[0].root() == env.cfg.drives[1]);
  CHECK(drives[1].root() == env.cfg.drives[0]);
  CHECK(drives[0].format().drive_id == fmt0->drive_id);
}

TEST_CASE("update_metadata rewrites meta.json on every drive in place", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.put("b", "k", random_bytes(kBlock * 2, 3)).ok());
  ObjectMeta meta2;
  meta2.content_type = "application/x-new";
  REQUIRE(env.layer->update_metadata("b", "k", meta2).ok());
  std::string id = env.data_id("b", "k");
  for (const auto& d : env.set().pools[0]->drives) {
    auto m = fs::read_file(d.data_dir(id) + "/meta.json");
    REQUIRE(m.ok());
    auto rec = decode_object_record(*m);
    REQUIRE(rec.ok());
    CHECK(rec->info.meta.content_type == "application/x-new");
    CHECK(rec->layout.data_id == id);
  }
}

TEST_CASE("meta.json on each drive describes the object on its own", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.put("b", "dir/file", random_bytes(kBlock * 3 + 1, 9)).ok());
  std::string id = env.data_id("b", "dir/file");
  auto m = fs::read_file(env.set().pools[0]->drives[2].data_dir(id) + "/meta.json");
  REQUIRE(m.ok());
  auto rec = decode_object_record(*m);
  REQUIRE(rec.ok());
  CHECK(rec->info.bucket == "b");
  CHECK(rec->info.key == "dir/file");
  CHECK(rec->info.size == kBlock * 3 + 1);
  CHECK(rec->layout.k == 4);
  CHECK(rec->layout.m == 2);
  CHECK(rec->layout.block_size == kBlock);
  CHECK(rec->layout.distribution.size() == 6);
  REQUIRE(rec->parts.size() == 1);
  CHECK(rec->parts[0].number == 1);
  CHECK(rec->parts[0].size == kBlock * 3 + 1);
  CHECK(rec->parts[0].data_id == id);
}

TEST_CASE("shards rotate across drives by data id", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(env.put("b", "k" + std::to_string(i), "x").ok());
    auto rec = env.set().index->get_object("b", "k" + std::to_string(i));
    REQUIRE(rec.ok());
    CHECK(rec->layout.distribution == env.set().pools[0]->distribution(rec->layout.data_id));
  }
  std::set<int> first_drives;
  for (int i = 0; i < 200; ++i) {
    auto dist = env.set().pools[0]->distribution(random_hex_id());
    first_drives.insert(dist[0]);
    // Every drive holds exactly one shard, in rotated order.
    std::set<int> all(dist.begin(), dist.end());
    CHECK(all.size() == 6);
    for (size_t s = 1; s < dist.size(); ++s) CHECK(dist[s] == (dist[s - 1] + 1) % 6);
  }
  CHECK(first_drives.size() == 6);
}

TEST_CASE("writes fail clearly below write quorum", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  // Replace two drives by plain files: nothing can be created on them.
  for (int i : {0, 1}) {
    std::filesystem::remove_all(env.cfg.drives[static_cast<size_t>(i)]);
    std::ofstream(env.cfg.drives[static_cast<size_t>(i)]) << "not a dir";
  }
  auto w = env.layer->create_object("b", "k");
  REQUIRE_FALSE(w.ok());
  // 503: clients retry, and the drives may come back.
  CHECK(w.error().code == s3::Code::SlowDown);
  CHECK(w.error().message.find("quorum") != std::string::npos);
  // One bad drive is within quorum (k+1 = 5 of 6).
  std::filesystem::remove(env.cfg.drives[0]);
  const std::string data = random_bytes(kBlock + 1, 4);
  REQUIRE(env.put("b", "k", data).ok());
  CHECK(*env.get("b", "k") == data);
}

TEST_CASE("concurrent writers of one key leave only the winner's data dir on every drive", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Outcomes are checked by the conformance suite; this counts files only.
      for (int i = 0; i < 5; ++i)
        (void)env.put("b", "same",
                      random_bytes(kBlock + static_cast<size_t>(t * 10 + i), static_cast<unsigned>(t * 100 + i)));
    });
  }
  for (auto& th : threads) th.join();
  std::string id = env.data_id("b", "same");
  for (const auto& d : env.cfg.drives) {
    size_t dirs = 0;
    for (const auto& fan : std::filesystem::directory_iterator(d + "/data"))
      for (const auto& e : std::filesystem::directory_iterator(fan.path())) {
        ++dirs;
        CHECK(e.path().filename() == id);
      }
    CHECK(dirs == 1);
  }
}

TEST_CASE("parity 0 and other layouts", "[layer]") {
  for (auto [n, parity] : {std::pair{3, 0}, std::pair{3, 1}, std::pair{9, 3}}) {
    INFO(n << " drives, parity " << parity);
    StorageEnv env(n, parity);
    REQUIRE(env.layer->make_bucket("b").ok());
    const std::string data = random_bytes(3 * kBlock + 17, 41);
    REQUIRE(env.put("b", "k", data).ok());
    CHECK(*env.get("b", "k") == data);
    for (int i = 0; i < parity; ++i) wipe_drive(env.cfg.drives[static_cast<size_t>(i)]);
    auto got = env.get("b", "k");
    REQUIRE(got.ok());
    CHECK(*got == data);
  }
}

TEST_CASE("bad configurations are refused", "[layer]") {
  test::TempDir dir;
  ErasureConfig cfg;
  cfg.index_dir = dir.path() + "/index";
  CHECK_FALSE(open_erasure_object_layer(cfg).ok());
  cfg.drives = {dir.path() + "/a", dir.path() + "/b"};
  cfg.parity = 2;
  CHECK_FALSE(open_erasure_object_layer(cfg).ok());
  cfg.parity = 1;
  cfg.block_size = 0;
  CHECK_FALSE(open_erasure_object_layer(cfg).ok());
  cfg.block_size = 4096;
  CHECK(open_erasure_object_layer(cfg).ok());
}

TEST_CASE("startup tolerates up to m unusable drives", "[layer]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(2 * kBlock + 3, 8);
  REQUIRE(env.put("b", "k", data).ok());
  env.layer.reset();
  for (size_t i : {size_t{2}, size_t{5}}) {
    std::filesystem::remove_all(env.cfg.drives[i]);
    std::ofstream(env.cfg.drives[i]) << "broken";
  }
  REQUIRE_NOTHROW(env.reopen());
  auto got = env.get("b", "k");
  REQUIRE(got.ok());
  CHECK(*got == data);
  // n - m drives are below the write quorum of k+1.
  CHECK(env.layer->create_object("b", "k2").error().code == s3::Code::SlowDown);
  env.layer.reset();
  std::filesystem::remove_all(env.cfg.drives[0]);
  std::ofstream(env.cfg.drives[0]) << "broken";
  CHECK_THROWS(env.reopen());
}
