// The upkeep worker (rados/upkeep.h) alone: bounded, one job per name waiting, stop drops
// what waits. With RADOS commits: rados_listing_test.cpp, "commits only signal it".
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "rados/upkeep.h"

using namespace silt;

TEST_CASE("rados upkeep: the queue is bounded, a name waits once, stop drops what waits", "[rados][upkeep]") {
  rados::UpkeepWorker w;
  std::atomic<bool> started{false}, release{false};
  std::atomic<int> ran{0};
  auto hold = [&] {
    started = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  REQUIRE(w.post("hold", hold));
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Same name while queued: taken (it will do that work), queued once.
  CHECK(w.post("a", [&] { ++ran; }));
  CHECK(w.post("a", [&] { ++ran; }));
  size_t taken = 0;
  for (size_t i = 0; i < 2 * rados::UpkeepWorker::kMaxQueued; ++i)
    taken += w.post("n" + std::to_string(i), [&] { ++ran; });
  CHECK(taken == rados::UpkeepWorker::kMaxQueued - 1);  // refused past the bound ("a" holds a place)
  release = true;
  w.drain();
  CHECK(ran == static_cast<int>(taken) + 1);
  // stop() with jobs waiting behind a running one: they never run, later posts are refused.
  release = false;
  started = false;
  REQUIRE(w.post("hold", hold));
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(w.post("late", [&] { ran += 1000; }));
  std::thread stopper([&] { w.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release = true;
  stopper.join();
  CHECK(ran < 1000);
  CHECK_FALSE(w.post("after", [] {}));
}
