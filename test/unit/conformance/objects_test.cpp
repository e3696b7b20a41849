// Objects through any backend: put/get/stat at stripe boundaries, ranges, overwrite,
// delete, missing keys and buckets, buckets, metadata, concurrent readers and writers.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "env.h"
#include "util/hash.h"

using namespace silt;
using silt::conformance::kBlock;
using silt::conformance::random_bytes;

TEST_CASE("put/get round trip at stripe boundaries", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{kBlock - 1}, size_t{kBlock}, size_t{kBlock + 1}, size_t{5 * kBlock + 123}}) {
    INFO("size " << size);
    std::string key = "obj-" + std::to_string(size);
    std::string data = random_bytes(size, static_cast<unsigned>(size));
    auto info = env.put("b", key, data);
    REQUIRE(info.ok());
    CHECK(info->size == size);
    CHECK(info->etag == hex_encode(md5_raw(data)));
    CHECK(info->version_id == "null");
    auto st = env.layer->stat_object("b", key);
    REQUIRE(st.ok());
    CHECK(st->etag == info->etag);
    CHECK(st->size == size);
    auto got = env.get("b", key);
    REQUIRE(got.ok());
    CHECK(*got == data);
  }
  CHECK(env.temp_items() == 0);
}

TEST_CASE("range reads at odd offsets", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(5 * kBlock + 123, 7);
  REQUIRE(env.put("b", "k", data, 4099).ok());
  struct R {
    uint64_t off, len;
  };
  for (R r : {R{0, 1}, R{1, 4095}, R{4095, 2}, R{4096, 4096}, R{3, 5 * kBlock + 120}, R{5 * kBlock + 100, 23},
              R{5 * kBlock + 122, 1}, R{12345, 0}, R{kBlock * 2 - 7, kBlock + 14}}) {
    INFO("off " << r.off << " len " << r.len);
    for (size_t chunk : {size_t{1}, size_t{333}, size_t{100000}}) {
      if (chunk == 1 && r.len > 5000) continue;
      auto got = env.get("b", "k", r.off, r.len, chunk);
      REQUIRE(got.ok());
      CHECK(*got == data.substr(r.off, r.len));
    }
  }
  auto info = env.layer->stat_object("b", "k");
  REQUIRE(info.ok());
  CHECK(env.layer->open_object(*info, data.size() - 1, 2).error().code == s3::Code::InvalidRange);
  CHECK(env.layer->open_object(*info, data.size() + 1, 0).error().code == s3::Code::InvalidRange);
  CHECK(env.layer->open_object(*info, data.size(), 0).ok());
}

TEST_CASE("an uncommitted writer leaves no files", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  {
    auto w = env.layer->create_object("b", "k");
    REQUIRE(w.ok());
    std::string data = random_bytes(3 * kBlock + 3, 5);
    REQUIRE((*w)->write(data.data(), data.size()).ok());
    CHECK((*w)->size() == data.size());
    CHECK(env.temp_items() > 0);
  }
  CHECK(env.temp_items() == 0);
  CHECK(env.data_items() == 0);
  CHECK(env.layer->stat_object("b", "k").error().code == s3::Code::NoSuchKey);
}

TEST_CASE("commit into a bucket deleted meanwhile fails and cleans up", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  auto w = env.layer->create_object("b", "k");
  REQUIRE(w.ok());
  REQUIRE((*w)->write("abc", 3).ok());
  REQUIRE(env.layer->delete_bucket("b").ok());
  auto r = (*w)->commit({});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == s3::Code::NoSuchBucket);
  w->reset();
  CHECK(env.temp_items() == 0);
  CHECK(env.data_items() == 0);
}

TEST_CASE("buckets", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("zeta").ok());
  REQUIRE(env.layer->make_bucket("alpha").ok());
  CHECK(env.layer->make_bucket("alpha").error().code == s3::Code::BucketAlreadyOwnedByYou);
  auto list = env.layer->list_buckets();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "alpha");
  CHECK((*list)[1].name == "zeta");
  CHECK((*list)[0].created_ms > 0);
  CHECK(env.layer->head_bucket("alpha").ok());
  CHECK(env.layer->head_bucket("nope").error().code == s3::Code::NoSuchBucket);
  CHECK(env.layer->create_object("nope", "k").error().code == s3::Code::NoSuchBucket);
  CHECK(env.layer->stat_object("nope", "k").error().code == s3::Code::NoSuchBucket);
  CHECK(env.layer->list_objects("nope", {}).error().code == s3::Code::NoSuchBucket);
  REQUIRE(env.put("alpha", "x", "1").ok());
  CHECK(env.layer->delete_bucket("alpha").error().code == s3::Code::BucketNotEmpty);
  // An object in a bucket whose name extends this one does not count.
  REQUIRE(env.layer->make_bucket("alph").ok());
  CHECK(env.layer->delete_bucket("alph").ok());
  REQUIRE(env.layer->delete_object("alpha", "x").ok());
  CHECK(env.layer->delete_bucket("alpha").ok());
  CHECK(env.layer->delete_bucket("alpha").error().code == s3::Code::NoSuchBucket);
}

TEST_CASE("an open reader keeps reading after overwrite; a stale stat is refused", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  const std::string data = random_bytes(3 * kBlock, 31);
  REQUIRE(env.put("b", "k", data).ok());
  auto info = env.layer->stat_object("b", "k");
  REQUIRE(info.ok());
  auto r = env.layer->open_object(*info, 0, info->size);
  REQUIRE(r.ok());
  REQUIRE(env.put("b", "k", "new").ok());
  std::string got(data.size(), '\0');
  size_t off = 0;
  while (off < got.size()) {
    auto n = (*r)->read(got.data() + off, got.size() - off);
    REQUIRE(n.ok());
    if (*n == 0) break;
    off += *n;
  }
  CHECK(got == data);
  CHECK(env.layer->open_object(*info, 0, 1).error().code == s3::Code::ServiceUnavailable);
  REQUIRE(env.layer->delete_object("b", "k").ok());
  CHECK(env.layer->open_object(*info, 0, 1).error().code == s3::Code::NoSuchKey);
}

TEST_CASE("concurrent writers of different keys all land", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        if (!env.put("b", key, key)) ++failures;
        auto g = env.get("b", key);
        if (!g || *g != key) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  auto r = env.layer->list_objects("b", {});
  REQUIRE(r.ok());
  CHECK(r->objects.size() == 12);
  CHECK(env.layer->delete_bucket("b").error().code == s3::Code::BucketNotEmpty);
}

TEST_CASE("readers racing overwrites and deletes never see torn data", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  // Every version is one repeated byte, so a reader mixing versions would show.
  auto version = [](int v) { return std::string(2 * kBlock + 100, static_cast<char>('a' + v % 26)); };
  REQUIRE(env.put("b", "k", version(0)).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<int> reads{0};
  std::thread writer([&] {
    for (int v = 1; v < 12; ++v) {
      if (v % 4 == 0) {
        if (!env.layer->delete_object("b", "k")) ++bad;
      } else if (!env.put("b", "k", version(v))) {
        ++bad;
      }
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        auto g = env.get("b", "k", 0, UINT64_MAX, 1000);
        if (!g) {
          auto c = g.error().code;
          if (c != s3::Code::NoSuchKey && c != s3::Code::ServiceUnavailable) ++bad;
          continue;
        }
        ++reads;
        if (g->size() != 2 * kBlock + 100 || g->find_first_not_of((*g)[0]) != std::string::npos) ++bad;
      }
    });
  }
  writer.join();
  for (auto& r : readers) r.join();
  CHECK(bad == 0);
  CHECK(reads > 0);
  CHECK(env.temp_items() == 0);
}

TEST_CASE("overwrite and delete", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.put("b", "k", random_bytes(100, 1)).ok());
  CHECK(env.data_items() == 1);
  const std::string data2 = random_bytes(200, 2);
  REQUIRE(env.put("b", "k", data2).ok());
  CHECK(env.data_items() == 1);  // the overwritten data is freed
  CHECK(*env.get("b", "k") == data2);

  REQUIRE(env.layer->delete_object("b", "k").ok());
  CHECK(env.data_items() == 0);
  CHECK(env.layer->stat_object("b", "k").error().code == s3::Code::NoSuchKey);
  CHECK(env.layer->delete_object("b", "k").ok());  // missing key: fine
  CHECK(env.layer->delete_object("nob", "k").error().code == s3::Code::NoSuchBucket);
  CHECK(env.temp_items() == 0);
}

TEST_CASE("metadata is stored, updated in place, and survives reopen", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  ObjectMeta meta;
  meta.content_type = "text/plain";
  meta.cache_control = "no-cache";
  meta.user = {{"color", "blue"}, {"shape", "round"}};
  meta.checksums = {{"CRC32", "AAAAAA=="}};
  const std::string data = random_bytes(kBlock * 2, 3);
  auto put = env.put("b", "k", data, 1000, meta);
  REQUIRE(put.ok());
  auto st = env.layer->stat_object("b", "k");
  REQUIRE(st.ok());
  CHECK(st->meta.content_type == "text/plain");
  CHECK(st->meta.user == meta.user);
  CHECK(st->meta.checksums == meta.checksums);
  CHECK(st->meta.storage_class == "STANDARD");

  ObjectMeta meta2;
  meta2.content_type = "application/x-new";
  meta2.user = {{"color", "red"}};
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto up = env.layer->update_metadata("b", "k", meta2);
  REQUIRE(up.ok());
  CHECK(up->etag == put->etag);
  CHECK(up->mtime_ms > put->mtime_ms);
  CHECK(up->meta.content_type == "application/x-new");
  CHECK(env.data_items() == 1);  // data untouched, not copied
  CHECK(env.temp_items() == 0);
  env.reopen();
  auto st2 = env.layer->stat_object("b", "k");
  REQUIRE(st2.ok());
  CHECK(st2->meta.content_type == "application/x-new");
  CHECK(st2->meta.user == meta2.user);
  CHECK(*env.get("b", "k") == data);
  CHECK(env.layer->update_metadata("b", "missing", meta2).error().code == s3::Code::NoSuchKey);
}

TEST_CASE("concurrent writers of one key: last commit wins, nothing leaks", "[layer]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto r = env.put("b", "same",
                         random_bytes(kBlock + static_cast<size_t>(t * 10 + i), static_cast<unsigned>(t * 100 + i)));
        if (!r) ++failures;
        // A concurrent overwrite between stat and open asks the client to retry.
        auto g = env.get("b", "same");
        if (!g && g.error().code != s3::Code::ServiceUnavailable) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(env.data_items() == 1);
  CHECK(env.temp_items() == 0);
}
