// crypto/: key sets, AES-256-GCM, sealed data keys, and encrypted streams on real drives.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "crypto/aes_gcm.h"
#include "crypto/key_set.h"
#include "crypto/object_cipher.h"
#include "test/unit/storage/storage_env.h"
#include "util/hash.h"

namespace silt::test {
namespace {

std::string b64key(char c) {
  return base64_encode(std::string(32, c));
}

// Writes data through an encrypting writer in chunks of `chunk` bytes.
ObjectInfo put_encrypted(StorageEnv& env, const std::string& key, const std::string& data, const std::string& dk,
                         const ObjectMeta& meta, size_t chunk) {
  auto w = env.layer->create_object("b", key);
  REQUIRE(w.ok());
  auto enc = crypto::encrypting_writer(std::move(*w), dk, crypto::kSinglePart, true);
  for (size_t off = 0; off < data.size(); off += chunk)
    REQUIRE(enc->write(data.data() + off, std::min(chunk, data.size() - off)).ok());
  CHECK(enc->size() == data.size());
  CHECK(enc->md5_raw() == md5_raw(data));
  auto info = enc->commit(meta);
  REQUIRE(info.ok());
  return *info;
}

std::string read_plain(StorageEnv& env, const ObjectInfo& stored, const std::string& dk, uint64_t off, uint64_t len) {
  auto r = crypto::open_decrypting(*env.layer, stored, dk, off, len);
  REQUIRE(r.ok());
  std::string out, buf(7000, '\0');
  for (;;) {
    auto got = (*r)->read(buf.data(), buf.size());
    REQUIRE(got.ok());
    if (*got == 0) break;
    out.append(buf.data(), *got);
  }
  return out;
}

}  // namespace

TEST_CASE("key files: ID:BASE64 entries, the first one current; malformed entries are refused") {
  auto set = crypto::KeySet::parse("# master keys\nnew:" + b64key('n') + "\n\nold:" + b64key('o') + "\n");
  REQUIRE(set.ok());
  CHECK(set->current()->id == "new");
  CHECK(set->find("old")->key == std::string(32, 'o'));
  CHECK(set->find("nope") == nullptr);
  CHECK(crypto::KeySet::parse("a:" + b64key('a') + ",b:" + b64key('b'))->find("b"));
  CHECK_FALSE(crypto::KeySet::parse("a:" + base64_encode("short")).ok());
  CHECK_FALSE(crypto::KeySet::parse(b64key('a')).ok());  // no id
  CHECK_FALSE(crypto::KeySet::parse("a:" + b64key('a') + "\na:" + b64key('b')).ok());
  CHECK_FALSE(crypto::KeySet::parse("bad id:" + b64key('a')).ok());
  auto e = crypto::KeySet::parse("a:" + base64_encode(std::string(31, 'x')));
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.find(base64_encode(std::string(31, 'x'))) == std::string::npos);  // no key in errors
}

TEST_CASE("AES-256-GCM: a round trip, and any change to key, nonce, aad or bytes fails") {
  const std::string key(32, 'k'), nonce(12, 'n'), plain = "attack at dawn";
  std::string sealed;
  crypto::seal(key, nonce, "aad", plain.data(), plain.size(), sealed);
  REQUIRE(sealed.size() == plain.size() + crypto::kTagBytes);
  std::string out;
  REQUIRE(crypto::open(key, nonce, "aad", sealed.data(), sealed.size(), out));
  CHECK(out == plain);
  out.clear();
  CHECK_FALSE(crypto::open(std::string(32, 'x'), nonce, "aad", sealed.data(), sealed.size(), out));
  CHECK_FALSE(crypto::open(key, std::string(12, 'x'), "aad", sealed.data(), sealed.size(), out));
  CHECK_FALSE(crypto::open(key, nonce, "other", sealed.data(), sealed.size(), out));
  sealed[3] ^= 1;
  CHECK_FALSE(crypto::open(key, nonce, "aad", sealed.data(), sealed.size(), out));
  CHECK(out.empty());
}

TEST_CASE("stored and plaintext sizes are inverse at every package edge") {
  for (uint64_t p : {0ull, 1ull, 65535ull, 65536ull, 65537ull, 131072ull, 131073ull, 5ull << 30})
    CHECK(crypto::plain_size(crypto::sealed_size(p)) == p);
  CHECK(crypto::sealed_size(65536) == 65536 + 28);
  CHECK(crypto::sealed_size(65537) == 65537 + 56);
}

TEST_CASE("a sealed data key opens only with its key and only for its algorithm and key id") {
  ObjectSse sse{"AES256", "m1", "", ""};
  const std::string kek(32, 'm'), dk = crypto::new_data_key();
  sse.sealed_key = crypto::seal_data_key(kek, sse, dk);
  CHECK(crypto::open_data_key(kek, sse) == dk);
  CHECK_FALSE(crypto::open_data_key(std::string(32, 'x'), sse));
  ObjectSse moved = sse;
  moved.key_id = "m2";  // a record edited to claim another key
  CHECK_FALSE(crypto::open_data_key(kek, moved));
  moved = sse;
  moved.sealed_key = "not base64!";
  CHECK_FALSE(crypto::open_data_key(kek, moved));
  // A compressing key (its zstd level sealed with it) round-trips whole.
  const std::string zk = crypto::new_data_key(3);
  CHECK(zk.size() == 33);
  sse.sealed_key = crypto::seal_data_key(kek, sse, zk);
  CHECK(crypto::open_data_key(kek, sse) == zk);
}

TEST_CASE("an SSE-KMS data key is bound to its encryption context") {
  ObjectSse sse{"aws:kms", "k1", "", R"({"aws:s3:arn":"arn:aws:s3:::b/k","team":"a"})"};
  const std::string kek(32, 'k'), dk = crypto::new_data_key();
  sse.sealed_key = crypto::seal_data_key(kek, sse, dk);
  CHECK(crypto::open_data_key(kek, sse) == dk);
  ObjectSse altered = sse;
  altered.context = R"({"aws:s3:arn":"arn:aws:s3:::b/k","team":"b"})";  // a record edited to claim another context
  CHECK_FALSE(crypto::open_data_key(kek, altered));
  altered.context.clear();  // or to drop it
  CHECK_FALSE(crypto::open_data_key(kek, altered));
  // A key sealed without a context (records older than the field) opens as before.
  ObjectSse plain{"aws:kms", "k1", "", ""};
  plain.sealed_key = crypto::seal_data_key(kek, plain, dk);
  CHECK(crypto::open_data_key(kek, plain) == dk);
}

TEST_CASE("encrypted streams on real drives: whole and ranged reads, nothing readable without the key") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string dk = crypto::new_data_key();
  ObjectMeta meta;
  meta.sse = {"AES256", "m1", "sealed", ""};
  for (size_t size : {size_t{0}, size_t{1}, size_t{65536}, size_t{65537}, size_t{200000}}) {
    const std::string data = random_bytes(size, static_cast<unsigned>(size));
    auto info = put_encrypted(env, "k" + std::to_string(size), data, dk, meta, 3000);
    CHECK(info.size == size);  // commit answers the plaintext view
    auto stored = env.layer->stat_object("b", "k" + std::to_string(size));
    REQUIRE(stored.ok());
    CHECK(stored->size == crypto::sealed_size(size));
    CHECK(crypto::plain_view(*stored).size == size);
    CHECK(read_plain(env, *stored, dk, 0, size) == data);
    if (size > 70000)
      for (auto [off, len] : {std::pair<uint64_t, uint64_t>{65535, 2}, {1, 65536}, {size - 1, 1}, {70000, 100000}})
        CHECK(read_plain(env, *stored, dk, off, std::min<uint64_t>(len, size - off)) == data.substr(off, len));
    if (size > 0) {
      // Another key fails the first package: an error, never bytes.
      auto r = crypto::open_decrypting(*env.layer, *stored, crypto::new_data_key(), 0, size);
      REQUIRE(r.ok());
      std::string buf(100, '\0');
      auto got = (*r)->read(buf.data(), buf.size());
      REQUIRE_FALSE(got.ok());
      CHECK(got.error().code == s3::Code::InternalError);
    }
  }
}

TEST_CASE("a compressing key: packages shrink inside, keep their sizes, read back whole and by ranges") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string dk = crypto::new_data_key(3);
  ObjectMeta meta;
  meta.sse = {"AES256", "m1", "sealed", ""};
  // Compressible text, then random bytes (packages stored raw), then text again: both
  // kinds of package in one stream, and a short last one.
  std::string data;
  while (data.size() < 150000) data += "row " + std::to_string(data.size()) + ",silt,compressible;";
  data += random_bytes(70000, 7);
  while (data.size() < 300001) data += "tail " + std::to_string(data.size()) + ";";
  auto info = put_encrypted(env, "z", data, dk, meta, 5000);
  CHECK(info.size == data.size());
  auto stored = env.layer->stat_object("b", "z");
  REQUIRE(stored.ok());
  CHECK(stored->size == crypto::sealed_size(data.size()));
  CHECK(read_plain(env, *stored, dk, 0, data.size()) == data);
  const uint64_t size = data.size();
  for (auto [off, len] : {std::pair<uint64_t, uint64_t>{0, 1},
                          {65535, 2},
                          {100000, 100000},
                          {150000, 70000},
                          {size - 1, 1},
                          {131072, 65536}})
    CHECK(read_plain(env, *stored, dk, off, std::min<uint64_t>(len, size - off)) == data.substr(off, len));
  // The stored stream: the text's packages are mostly zero padding, no plaintext anywhere.
  std::string raw;
  {
    auto r = env.layer->open_object(*stored, 0, stored->size);
    REQUIRE(r.ok());
    std::string buf(65536, '\0');
    for (;;) {
      auto got = (*r)->read(buf.data(), buf.size());
      REQUIRE(got.ok());
      if (*got == 0) break;
      raw.append(buf.data(), *got);
    }
  }
  CHECK(raw.find("compressible") == std::string::npos);
  CHECK(raw.find("tail 3") == std::string::npos);
  CHECK(std::count(raw.begin(), raw.end(), '\0') > 150000);
  // Another key fails the first (compressed) package: an error, never bytes.
  auto r = crypto::open_decrypting(*env.layer, *stored, crypto::new_data_key(3), 0, size);
  REQUIRE(r.ok());
  std::string buf(100, '\0');
  auto got = (*r)->read(buf.data(), buf.size());
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().code == s3::Code::InternalError);
}

}  // namespace silt::test
