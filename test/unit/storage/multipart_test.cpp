#include <catch2/catch.hpp>
#include <thread>

#include "erasure/fs.h"
#include "index/keys.h"
#include "storage_env.h"
#include "util/checksum.h"
#include "util/hash.h"
#include "util/random_id.h"

using namespace silt;
using silt::test::random_bytes;
using silt::test::StorageEnv;

namespace {

constexpr size_t kMiB5 = 5u << 20;

// Data dirs (one per data id) on drive 0.
size_t data_dirs(StorageEnv& env) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& fan : std::filesystem::directory_iterator(env.set().pools[0]->drives[0].data_root(), ec))
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(fan.path(), ec)) ++n;
  return n;
}

bool data_dir_exists(StorageEnv& env, const std::string& id) {
  for (const auto& d : env.set().pools[0]->drives)
    if (fs::exists(d.data_dir(id))) return true;
  return false;
}

std::string part_data_id(StorageEnv& env, const std::string& bucket, const std::string& key,
                         const std::string& upload_id, int number) {
  auto rec = env.set().index->list_parts(bucket, key, upload_id, number - 1, 1);
  REQUIRE(rec.ok());
  REQUIRE(rec->parts.size() == 1);
  // The data id is not part of PartInfo; find it through the drive's part meta.json.
  for (const auto& fan : std::filesystem::directory_iterator(env.set().pools[0]->drives[0].data_root()))
    for (const auto& e : std::filesystem::directory_iterator(fan.path())) {
      auto text = fs::read_file(e.path().string() + "/meta.json");
      if (!text) continue;
      auto p = decode_uploaded_part(*text);
      if (p && p->upload_id == upload_id && p->info.number == number && p->info.etag == rec->parts[0].etag)
        return p->layout.data_id;
    }
  return {};
}

}  // namespace

TEST_CASE("multipart: a replaced part's and an unnamed part's data dirs are removed", "[multipart]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  auto up = env.layer->create_upload("b", "k", {});
  REQUIRE(up.ok());
  const std::string id = up->upload_id;
  const std::string p1 = random_bytes(kMiB5, 1);
  const std::string p2 = random_bytes(300, 2);
  REQUIRE(env.put_part("b", "k", id, 2, random_bytes(200, 3)).ok());
  const std::string old2 = part_data_id(env, "b", "k", id, 2);
  REQUIRE_FALSE(old2.empty());
  REQUIRE(env.put_part("b", "k", id, 2, p2).ok());
  CHECK_FALSE(data_dir_exists(env, old2));
  REQUIRE(env.put_part("b", "k", id, 1, p1).ok());
  REQUIRE(env.put_part("b", "k", id, 4, "four").ok());
  const std::string id4 = part_data_id(env, "b", "k", id, 4);
  REQUIRE(data_dir_exists(env, id4));
  REQUIRE(env.layer->complete_upload("b", "k", id, {{1, hex_encode(md5_raw(p1))}, {2, hex_encode(md5_raw(p2))}}).ok());
  CHECK_FALSE(data_dir_exists(env, id4));
  CHECK(env.count_entries("tmp") == 0);
}

TEST_CASE("multipart: each part's data dir, then the completed object's, describes itself", "[multipart]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  auto up = env.layer->create_upload("b", "t/part-0", {});
  REQUIRE(up.ok());
  const std::string p1 = random_bytes(kMiB5, 21);
  const std::string p2 = random_bytes(333, 22);
  REQUIRE(env.put_part("b", "t/part-0", up->upload_id, 1, p1).ok());
  REQUIRE(env.put_part("b", "t/part-0", up->upload_id, 2, p2).ok());
  const std::string d2 = part_data_id(env, "b", "t/part-0", up->upload_id, 2);
  for (const auto& d : env.set().pools[0]->drives) {
    auto text = fs::read_file(d.data_dir(d2) + "/meta.json");
    REQUIRE(text.ok());
    auto rec = decode_uploaded_part(*text);
    REQUIRE(rec.ok());
    CHECK(rec->bucket == "b");
    CHECK(rec->key == "t/part-0");
    CHECK(rec->upload_id == up->upload_id);
    CHECK(rec->info.number == 2);
    CHECK(fs::exists(d.data_dir(d2) + "/part.2"));
  }
  auto done = env.layer->complete_upload("b", "t/part-0", up->upload_id,
                                         {{1, hex_encode(md5_raw(p1))}, {2, hex_encode(md5_raw(p2))}});
  REQUIRE(done.ok());
  // The completed object's record now describes it on the drives, in its first part's dir.
  auto rec = env.set().index->get_object("b", "t/part-0");
  REQUIRE(rec.ok());
  REQUIRE(rec->parts.size() == 2);
  CHECK(rec->parts[1].data_id == d2);
  for (const auto& d : env.set().pools[0]->drives) {
    auto text = fs::read_file(d.data_dir(rec->parts[0].data_id) + "/meta.json");
    REQUIRE(text.ok());
    auto on_drive = decode_object_record(*text);
    REQUIRE(on_drive.ok());
    CHECK(on_drive->info.etag == done->etag);
    CHECK(on_drive->parts.size() == 2);
  }
}

TEST_CASE("multipart: an upload listing seeks past a common prefix in one step", "[multipart]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  for (const std::string key : {"a", "b/1", "b/2", "c"}) REQUIRE(env.layer->create_upload("b", key, {}).ok());
  for (int i = 0; i < 50; ++i) REQUIRE(env.layer->create_upload("b", "b/x" + std::to_string(i), {}).ok());
  ListStats stats;
  UploadListParams big;
  big.delimiter = "/";
  auto r = env.set().index->list_uploads("b", big, &stats);
  REQUIRE(r.ok());
  CHECK(r->prefixes == std::vector<std::string>{"b/"});
  CHECK(stats.seeks == 2);  // the start, and one jump over all of b/
}

TEST_CASE("multipart: startup removes orphaned part dirs but keeps referenced ones", "[multipart]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  auto up = env.layer->create_upload("b", "k", {});
  REQUIRE(up.ok());
  REQUIRE(env.put_part("b", "k", up->upload_id, 1, "kept").ok());
  // As if a part had been renamed into data/ and the server crashed before its
  // index commit: a part record naming a known bucket, and one naming an unknown one.
  auto orphan = [&](const std::string& bucket) {
    UploadedPart p{bucket, "k", up->upload_id, PartInfo{2, 0, hex_encode(md5_raw("")), 0, {}},
                   ObjectLayout{4, 2, 4096, random_hex_id(), {0, 1, 2, 3, 4, 5}, "", "", 0}};
    for (const auto& d : env.set().pools[0]->drives) {
      REQUIRE(fs::make_dirs(d.data_dir(p.layout.data_id)).ok());
      REQUIRE(fs::write_file_synced(d.data_dir(p.layout.data_id) + "/meta.json", encode_uploaded_part(p)).ok());
    }
    return p.layout.data_id;
  };
  const std::string lost = orphan("b");
  const std::string foreign = orphan("not-in-this-index");
  CHECK(data_dirs(env) == 3);
  env.reopen();
  CHECK_FALSE(data_dir_exists(env, lost));
  CHECK(data_dir_exists(env, foreign));
  CHECK(data_dirs(env) == 2);
  auto parts = env.layer->list_parts("b", "k", up->upload_id, 0, 10);
  REQUIRE(parts.ok());
  REQUIRE(parts->parts.size() == 1);
  auto done = env.layer->complete_upload("b", "k", up->upload_id, {{1, parts->parts[0].etag}});
  REQUIRE(done.ok());
  CHECK(*env.get("b", "k") == "kept");
}

TEST_CASE("crc_combine gives the CRC of the concatenation for CRC32, CRC32C and CRC64NVME", "[checksum]") {
  std::string a = "The quick brown fox ", b = "jumps over the lazy dog, again and again";
  for (auto algo : {silt::ChecksumAlgo::CRC32, silt::ChecksumAlgo::CRC32C, silt::ChecksumAlgo::CRC64NVME}) {
    silt::Checksummer whole(algo), first(algo), second(algo);
    whole.update((a + b).data(), a.size() + b.size());
    first.update(a.data(), a.size());
    second.update(b.data(), b.size());
    auto c1 = silt::crc_from_base64(algo, first.finish_base64());
    auto c2 = silt::crc_from_base64(algo, second.finish_base64());
    REQUIRE(c1);
    REQUIRE(c2);
    auto combined = silt::crc_combine(algo, *c1, *c2, b.size());
    REQUIRE(combined);
    CHECK(silt::crc_to_base64(algo, *combined) == whole.finish_base64());
  }
  CHECK_FALSE(silt::crc_combine(silt::ChecksumAlgo::SHA256, 1, 2, 3));
}
