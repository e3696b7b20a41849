// What conditional writes leave on the drives (their outcomes are in the conformance suite).
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "storage_env.h"

using namespace silt;
using silt::test::random_bytes;
using silt::test::StorageEnv;

TEST_CASE("racing conditional creators leave only the winner's files", "[conditions]") {
  StorageEnv env;
  REQUIRE(env.layer->make_bucket("b").ok());
  constexpr int kWriters = 6;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t)
    threads.emplace_back([&, t] {
      WriteConditions c;
      c.if_none_match_any = true;
      auto w = env.layer->create_object("b", "k", c);
      std::string data = random_bytes(5000, static_cast<unsigned>(t));
      if (w) (void)(*w)->write(data.data(), data.size());
      ++ready;
      while (ready.load() < kWriters) std::this_thread::yield();  // commit together
      if (w) (void)(*w)->commit({});
    });
  for (auto& t : threads) t.join();
  // One data dir (3 entries: dir, part.1, meta.json) per drive.
  CHECK(env.count_entries("data") == 3 * env.cfg.drives.size());
  CHECK(env.count_entries("tmp") == 0);
}
