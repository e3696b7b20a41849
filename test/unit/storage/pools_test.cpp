// Pools, storage classes, compressed shard files and transitions between pools.
#include <catch2/catch.hpp>
#include <filesystem>

#include "erasure/fs.h"
#include "storage_env.h"

namespace silt::test {
namespace {

namespace stdfs = std::filesystem;

// Text with real entropy (random numbers in a fixed shape): compresses well, never repeats.
std::string log_text(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n)
    s += "{\"ts\":" + std::to_string(1700000000000ull + rng() % 100000) +
         ",\"user\":" + std::to_string(rng() % 100000) + ",\"path\":\"/api/v1/items/" + std::to_string(rng() % 5000) +
         "\",\"status\":" + std::to_string(rng() % 2 ? 200 : 404) + "}\n";
  s.resize(n);
  return s;
}

// "hot" (no compression) and "cold" (zstd) on the same six drives, plus "far" on three others.
struct PoolsEnv : StorageEnv {
  PoolsEnv() {
    std::vector<std::string> far;
    for (int i = 0; i < 3; ++i) far.push_back(dir.path() + "/far-" + std::to_string(i));
    cfg.pools = {PoolConfig{"hot", cfg.drives, 2, kBlock, 0, 100}, PoolConfig{"cold", cfg.drives, 2, kBlock, 3, 20},
                 PoolConfig{"far", far, 1, 2 * kBlock, 1, 5}};
    cfg.storage_classes = {{"STANDARD", "hot"}, {"STANDARD_IA", "cold"}, {"GLACIER_IR", "far"}};
    reopen();
  }

  s3::Result<ObjectInfo> put_in(const std::string& cls, const std::string& key, const std::string& data) {
    auto w = layer->create_object("b", key, {}, cls);
    if (!w) return w.error();
    for (size_t off = 0; off < data.size(); off += 3000) {
      if (auto s = (*w)->write(data.data() + off, std::min<size_t>(3000, data.size() - off)); !s) return s.error();
    }
    ObjectMeta m;
    m.storage_class = cls;
    return (*w)->commit(m);
  }

  // Bytes of every shard file under every drive of every pool.
  uint64_t shard_file_bytes() {
    uint64_t n = 0;
    for (const Drive* d : set().all_drives())
      for (const auto& e : stdfs::recursive_directory_iterator(d->data_root()))
        if (e.path().filename().string().rfind("part.", 0) == 0) n += e.file_size();
    return n;
  }

  size_t data_dirs() {
    size_t n = 0;
    for (const Drive* d : set().all_drives())
      for (const auto& fan : stdfs::directory_iterator(d->data_root()))
        for ([[maybe_unused]] const auto& e : stdfs::directory_iterator(fan.path())) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("a compressed pool stores less and reads every range back", "[pools]") {
  PoolsEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string text = log_text(100 * 1000 + 17, 1);
  auto hot = env.put_in("STANDARD", "hot", text);
  auto cold = env.put_in("STANDARD_IA", "cold", text);
  REQUIRE(hot.ok());
  REQUIRE(cold.ok());
  CHECK(cold->etag == hot->etag);
  CHECK(cold->size == text.size());
  CHECK(cold->stored_bytes < hot->stored_bytes / 2);
  CHECK(env.shard_file_bytes() == hot->stored_bytes + cold->stored_bytes);
  auto rec = env.set().index->get_object("b", "cold");
  CHECK(rec->layout.pool == "cold");
  CHECK(rec->layout.compression == "zstd");
  CHECK(env.layer->stat_object("b", "cold")->meta.storage_class == "STANDARD_IA");

  CHECK(*env.get("b", "cold") == text);
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    uint64_t off = rng() % text.size();
    uint64_t len = 1 + rng() % std::min<uint64_t>(text.size() - off, 3 * kBlock);
    REQUIRE(*env.get("b", "cold", off, len, 1 + rng() % 5000) == text.substr(off, len));
  }
  CHECK(env.get("b", "cold", text.size() - 1, 1)->size() == 1);
}

TEST_CASE("compression never makes an object bigger", "[pools]") {
  PoolsEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string noise = random_bytes(50 * 1000, 2);
  auto hot = env.put_in("STANDARD", "hot", noise);
  auto cold = env.put_in("STANDARD_IA", "cold", noise);
  REQUIRE(cold.ok());
  const uint64_t stripes = (noise.size() + kBlock - 1) / kBlock;
  // Only the stripe-length table (4 bytes per stripe + 20) is added to each of the 6 shards.
  CHECK(cold->stored_bytes == hot->stored_bytes + 6 * (4 * stripes + 20));
  CHECK(*env.get("b", "cold", 12345, 20000) == noise.substr(12345, 20000));
}

TEST_CASE("compressed stripes survive lost and corrupt shards", "[pools]") {
  PoolsEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string text = log_text(40 * 1000, 3);
  REQUIRE(env.put_in("STANDARD_IA", "k", text).ok());
  auto rec = env.set().index->get_object("b", "k");
  auto& drives = env.set().pools[1]->drives;
  auto shard = [&](int i) {
    return drives[static_cast<size_t>(rec->layout.distribution[static_cast<size_t>(i)])].data_dir(rec->layout.data_id) +
           "/part.1";
  };
  // Shard 0 loses its file, shard 1 gets a flipped byte in its first block: two erasures, m = 2.
  stdfs::remove(shard(0));
  {
    auto f = fs::read_file(shard(1));
    REQUIRE(f.ok());
    std::string bytes = *f;
    bytes[40] ^= 0x5a;
    REQUIRE(fs::write_file_synced(shard(1), bytes).ok());
  }
  CHECK(*env.get("b", "k") == text);
  CHECK(*env.get("b", "k", 5000, 100) == text.substr(5000, 100));
  stdfs::remove(shard(2));  // a third: more than m
  CHECK(env.get("b", "k").error().code == s3::Code::InternalError);
}

TEST_CASE("pools() describes each pool's classes and erasure profile", "[pools]") {
  PoolsEnv env;
  CHECK(env.layer->has_storage_class("GLACIER_IR"));
  auto pools = env.layer->pools();
  REQUIRE(pools.size() == 3);
  CHECK(pools[1].storage_classes == std::vector<std::string>{"STANDARD_IA"});
  CHECK(pools[2].k == 2);
  CHECK(pools[2].m == 1);
}

TEST_CASE("bad pool configurations do not open", "[pools]") {
  PoolsEnv env;
  env.layer.reset();
  ErasureConfig c = env.cfg;
  c.storage_classes = {{"STANDARD_IA", "cold"}};
  CHECK_FALSE(open_erasure_object_layer(c).ok());  // STANDARD unmapped
  c = env.cfg;
  c.storage_classes.emplace_back("X", "nowhere");
  CHECK_FALSE(open_erasure_object_layer(c).ok());
  c = env.cfg;
  c.pools[2].drives[0] = c.drives[0];  // one drive in two different drive lists
  CHECK_FALSE(open_erasure_object_layer(c).ok());
  c = env.cfg;
  c.storage_classes.emplace_back("GLACIER", "cold");  // archive classes need a restore silt does not serve
  CHECK_FALSE(open_erasure_object_layer(c).ok());
  c = env.cfg;
  c.pools[1].zstd_level = 99;
  CHECK_FALSE(open_erasure_object_layer(c).ok());
  CHECK(open_erasure_object_layer(env.cfg).ok());
}

TEST_CASE("a transition re-encodes onto the target pool's drives and frees the old shards", "[pools]") {
  PoolsEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->set_versioning("b", Versioning::Enabled).ok());
  const std::string text = log_text(30 * 1000, 4);
  auto put = env.put_in("STANDARD", "k", text);
  REQUIRE(put.ok());
  const std::string old_id = env.data_id("b", "k");
  const size_t dirs_before = env.data_dirs();
  REQUIRE(env.layer->transition_object("b", "k", put->version_id, "GLACIER_IR").ok());
  auto after = env.layer->stat_object("b", "k");
  REQUIRE(after.ok());
  CHECK(env.set().index->get_object("b", "k")->layout.pool == "far");
  // The old dirs on six drives are gone; three new ones on the far pool.
  CHECK(env.data_dirs() == dirs_before - 6 + 3);
  for (const Drive* d : env.set().all_drives()) CHECK_FALSE(stdfs::exists(d->data_dir(old_id)));
  CHECK(env.shard_file_bytes() == after->stored_bytes);
}

}  // namespace silt::test
