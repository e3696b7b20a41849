// Healing: heal_version finds and rebuilds missing, damaged and misplaced
// shards byte for byte; drives are recognised by their format, wherever they sit.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "damage.h"
#include "erasure/fs.h"
#include "erasure/heal_object.h"
#include "erasure/healer.h"
#include "erasure/shard_file.h"
#include "storage_env.h"

namespace silt::test {
namespace {

namespace stdfs = std::filesystem;

// Every file under the drives' data/ dirs, by path relative to the drive root.
std::map<std::string, std::string> data_files(const StorageEnv& env) {
  std::map<std::string, std::string> out;
  for (const auto& d : env.cfg.drives) {
    if (!stdfs::is_directory(d + "/data")) continue;
    for (const auto& e : stdfs::recursive_directory_iterator(d + "/data"))
      if (e.is_regular_file()) out[e.path().string()] = *fs::read_file(e.path().string());
  }
  return out;
}

ObjectRecord record(StorageEnv& env, const std::string& key) {
  auto r = env.set().index->get_object("b", key);
  REQUIRE(r.ok());
  return *r;
}

// A healer on the env's layer, its thread not started: the test drives it.
std::unique_ptr<Healer> healer_of(StorageEnv& env) {
  return std::make_unique<Healer>(dynamic_cast<ErasureObjectLayer&>(*env.layer), HealerOptions{});
}

std::string shard_path(StorageEnv& env, const ObjectRecord& rec, size_t shard, const PartRecord& part) {
  const Pool& pool = *env.set().pool(rec.layout.pool);
  return pool.drives[static_cast<size_t>(rec.distribution_of(part)[shard])].data_dir(part.data_id) + "/" +
         part_file_name(part.number);
}

TEST_CASE("heal_version rebuilds damaged and missing shards byte for byte", "[heal]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(5 * kBlock + 123, 7);
  REQUIRE(env.put("b", "k", data).ok());
  const auto before = data_files(env);
  ObjectRecord rec = record(env, "k");
  const PartRecord& part = rec.parts.front();

  // Bitrot in one shard's third stripe, another shard's file gone.
  flip_byte(shard_path(env, rec, 1, part), ShardHeader::kSize + 2 * (kBlock / 4 + 4) + 10);
  stdfs::remove(shard_path(env, rec, 4, part));

  auto shallow = heal_version(env.set(), rec, /*deep=*/false, /*repair=*/false);
  REQUIRE(shallow.ok());
  CHECK(shallow->shards_bad == 1);  // headers only: the flipped byte is not seen
  auto deep = heal_version(env.set(), rec, /*deep=*/true, /*repair=*/false);
  REQUIRE(deep.ok());
  CHECK(deep->shards_bad == 2);
  CHECK(deep->shards_repaired == 0);
  CHECK(data_files(env) != before);

  auto healed = heal_version(env.set(), rec, true, true);
  REQUIRE(healed.ok());
  CHECK(healed->shards_repaired == 2);
  CHECK_FALSE(healed->lost);
  CHECK(data_files(env) == before);
  auto again = heal_version(env.set(), rec, true, false);
  REQUIRE(again.ok());
  CHECK(again->shards_bad == 0);
  CHECK(*env.get("b", "k") == data);
  env.set().trash.wait_idle();
  for (const auto& d : env.cfg.drives) CHECK(stdfs::is_empty(d + "/tmp"));
}

TEST_CASE("heal_version restores whole data dirs, compressed and multipart ones too", "[heal]") {
  StorageEnv env;
  env.cfg.pools = {PoolConfig{"hot", env.cfg.drives, 2, kBlock, 0, 1},
                   PoolConfig{"cold", env.cfg.drives, 2, kBlock, 3, 1}};
  env.cfg.storage_classes = {{"STANDARD", "hot"}, {"STANDARD_IA", "cold"}};
  env.reopen();
  REQUIRE(env.layer->make_bucket("b").ok());
  std::string text;
  while (text.size() < 9 * kBlock) text += "line " + std::to_string(text.size()) + " of some log\n";
  auto w = env.layer->create_object("b", "cold", {}, "STANDARD_IA");
  REQUIRE(w.ok());
  REQUIRE((*w)->write(text.data(), text.size()).ok());
  REQUIRE((*w)->commit({}).ok());
  ObjectMeta meta;
  auto up = env.layer->create_upload("b", "multi", meta);
  REQUIRE(up.ok());
  const std::string p1 = random_bytes(kMinPartSize, 1), p2 = random_bytes(3 * kBlock + 5, 2);
  auto e1 = env.put_part("b", "multi", up->upload_id, 1, p1);
  auto e2 = env.put_part("b", "multi", up->upload_id, 2, p2);
  REQUIRE((e1.ok() && e2.ok()));
  REQUIRE(env.layer->complete_upload("b", "multi", up->upload_id, {{1, e1->etag}, {2, e2->etag}}, {}).ok());
  const auto before = data_files(env);

  // Two drives lose everything (their data dirs), as when replaced by empty ones.
  for (int i : {0, 3}) stdfs::remove_all(env.cfg.drives[static_cast<size_t>(i)] + "/data");
  for (int i : {0, 3}) stdfs::create_directories(env.cfg.drives[static_cast<size_t>(i)] + "/data");
  for (const char* key : {"cold", "multi"}) {
    auto r = heal_version(env.set(), record(env, key), true, true);
    REQUIRE(r.ok());
    CHECK(r->shards_repaired > 0);
    CHECK_FALSE(r->lost);
  }
  CHECK(data_files(env) == before);
  CHECK(*env.get("b", "cold") == text);
  CHECK(*env.get("b", "multi") == p1 + p2);
}

TEST_CASE("heal_version reports a version with fewer than k good shards as lost", "[heal]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.put("b", "k", random_bytes(3 * kBlock, 3)).ok());
  ObjectRecord rec = record(env, "k");
  for (size_t shard : {0, 2, 5}) stdfs::remove(shard_path(env, rec, shard, rec.parts.front()));
  auto r = heal_version(env.set(), rec, true, true);
  REQUIRE(r.ok());
  CHECK(r->lost);
  CHECK(r->shards_repaired == 0);
}

TEST_CASE("a degraded read queues the version and the healer repairs it", "[heal]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(4 * kBlock + 9, 11);
  REQUIRE(env.put("b", "k", data).ok());
  const auto before = data_files(env);
  ObjectRecord rec = record(env, "k");
  flip_byte(shard_path(env, rec, 0, rec.parts.front()), ShardHeader::kSize + 5);
  CHECK(*env.set().index->heal_backlog() == 0);
  CHECK(*env.get("b", "k") == data);             // rebuilt for the reader ...
  CHECK(*env.set().index->heal_backlog() == 1);  // ... and queued
  auto healer = healer_of(env);
  CHECK(healer->drain_queue() == 1);
  CHECK(*env.set().index->heal_backlog() == 0);
  CHECK(data_files(env) == before);
  CHECK(healer->heal_status().queue_healed == 1);
}

TEST_CASE("a wiped drive is marked healing and a rebuild pass refills it", "[heal]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  for (int i = 0; i < 5; ++i) REQUIRE(env.put("b", "k" + std::to_string(i), random_bytes(kBlock * i + 17, i)).ok());
  // A delete marker has a data dir too (meta.json alone).
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  REQUIRE(env.layer->delete_object("b", "k0").ok());
  const auto before = data_files(env);
  stdfs::remove_all(env.cfg.drives[2]);
  auto healer = healer_of(env);
  healer->check_drives();
  const Drive& d = env.set().pools.front()->drives[2];
  CHECK(d.state() == DriveState::Healing);
  CHECK(stdfs::exists(env.cfg.drives[2] + "/healing.json"));
  // A restart keeps the mark.
  env.reopen();
  CHECK(env.set().pools.front()->drives[2].state() == DriveState::Healing);
  healer = healer_of(env);
  HealPass p = healer->run_pass(HealKind::Rebuild);
  CHECK(p.errors == 0);
  CHECK(p.objects_scanned == 6);
  CHECK(p.shards_repaired == 6);
  CHECK(data_files(env) == before);
  CHECK_FALSE(stdfs::exists(env.cfg.drives[2] + "/healing.json"));
  CHECK(env.set().pools.front()->drives[2].state() == DriveState::Online);
}

TEST_CASE("drives are placed by their format: swapped ones work, foreign ones stay offline", "[heal]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(6 * kBlock + 1, 5);
  REQUIRE(env.put("b", "k", data).ok());
  env.layer.reset();
  stdfs::rename(env.cfg.drives[1], env.dir.path() + "/swap");
  stdfs::rename(env.cfg.drives[4], env.cfg.drives[1]);
  stdfs::rename(env.dir.path() + "/swap", env.cfg.drives[4]);
  env.reopen();
  const auto& drives = env.set().pools.front()->drives;
  CHECK(drives[1].root() == env.cfg.drives[4]);
  CHECK(drives[4].root() == env.cfg.drives[1]);
  for (const auto& d : drives) CHECK(d.state() == DriveState::Online);
  CHECK(*env.get("b", "k") == data);
  auto r = heal_version(env.set(), record(env, "k"), true, false);
  CHECK(r->shards_bad == 0);

  // A drive of another set in slot 3: never formatted over, never written.
  StorageEnv other;
  env.layer.reset();
  stdfs::remove_all(env.cfg.drives[3]);
  stdfs::copy(other.cfg.drives[0], env.cfg.drives[3], stdfs::copy_options::recursive);
  const std::string foreign = *fs::read_file(env.cfg.drives[3] + "/format.json");
  env.reopen();
  const Drive& slot3 = env.set().pools.front()->drives[3];
  CHECK(slot3.state() == DriveState::Offline);
  CHECK(slot3.reason().find("another set") != std::string::npos);
  CHECK(*env.get("b", "k") == data);
  REQUIRE(env.put("b", "k2", data).ok());  // 5 of 6 drives: within the write quorum
  CHECK(*fs::read_file(env.cfg.drives[3] + "/format.json") == foreign);
  CHECK(stdfs::is_empty(env.cfg.drives[3] + "/data"));
}

}  // namespace
}  // namespace silt::test
