// PassScheduler and PassTrack (util/pass_scheduler.h): the thread, stop, coalesced
// requests and wake-ups the healer and the lifecycle worker share.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "util/pass_scheduler.h"

using silt::PassRequest;
using silt::PassScheduler;
using silt::PassTrack;
using namespace std::chrono_literals;

namespace {

using Clock = PassScheduler::Clock;

// What the thread's steps saw, read from the test thread.
struct Seen {
  std::mutex mu;
  int steps = 0;
  std::vector<PassRequest> asked;

  void note(const std::optional<PassRequest>& a) {
    std::lock_guard lock(mu);
    ++steps;
    if (a) asked.push_back(*a);
  }
  int step_count() {
    std::lock_guard lock(mu);
    return steps;
  }
  std::vector<PassRequest> requests() {
    std::lock_guard lock(mu);
    return asked;
  }
};

// Polls cond for up to two seconds.
template <class F>
bool eventually(F cond) {
  const auto until = Clock::now() + 2s;
  while (Clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return cond();
}

}  // namespace

TEST_CASE("pass scheduler: requests waiting to start coalesce into one pass") {
  PassScheduler s;
  CHECK_FALSE(s.pending());
  const uint64_t a = s.request("photos");
  CHECK(s.request("photos") == a);  // the same ask: the same pass
  CHECK(s.pending() == a);
  const uint64_t b = s.request("logs");  // another bucket: the pass covers every bucket
  CHECK(b == a);

  Seen seen;
  s.start([&](std::optional<PassRequest> asked) {
    seen.note(asked);
    return std::optional<Clock::time_point>();  // only when asked
  });
  REQUIRE(eventually([&] { return seen.requests().size() == 1; }));
  s.stop();
  const auto got = seen.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == a);
  CHECK(got[0].bucket.empty());
  CHECK_FALSE(s.pending());
  // Ids count up across asked-for passes and the owner's own.
  const uint64_t own = s.next_id();
  CHECK(own > a);
  CHECK(s.request("x") > own);
}

TEST_CASE("pass scheduler: a request during a pass waits for the next step, one bucket kept") {
  PassScheduler s;
  Seen seen;
  std::atomic<bool> in_pass{false}, release{false};
  s.start([&](std::optional<PassRequest> asked) {
    seen.note(asked);
    if (asked && asked->bucket == "first") {
      in_pass = true;
      while (!release && !s.stopping()) std::this_thread::sleep_for(1ms);
    }
    return std::optional<Clock::time_point>();
  });
  const uint64_t first = s.request("first");
  REQUIRE(eventually([&] { return in_pass.load(); }));
  CHECK_FALSE(s.pending());  // taken off the queue when its pass started
  const uint64_t second = s.request("second");
  CHECK(second != first);
  CHECK(s.request("second") == second);
  CHECK(s.pending() == second);
  release = true;
  REQUIRE(eventually([&] { return seen.requests().size() == 2; }));
  s.stop();
  const auto got = seen.requests();
  CHECK(got[1].id == second);
  CHECK(got[1].bucket == "second");
}

TEST_CASE("pass scheduler: stop ends a running pass and joins, a waiting request is kept") {
  PassScheduler s;
  std::atomic<bool> in_pass{false}, saw_stop{false};
  s.start([&](std::optional<PassRequest> asked) {
    if (asked) {
      in_pass = true;
      // A pass that would run for minutes, watching the flag as the real ones do.
      const auto until = Clock::now() + 120s;
      while (Clock::now() < until && !s.stopping()) std::this_thread::sleep_for(1ms);
      saw_stop = s.stopping().load();
    }
    return std::optional<Clock::time_point>();
  });
  s.request("");
  REQUIRE(eventually([&] { return in_pass.load(); }));
  const uint64_t waiting = s.request("later");
  const auto t0 = Clock::now();
  s.stop();
  CHECK(Clock::now() - t0 < 2s);
  CHECK(saw_stop);
  CHECK(s.stopping());
  CHECK(s.pending() == waiting);
  s.stop();  // twice is harmless

  // The next start runs the kept request.
  Seen seen;
  s.start([&](std::optional<PassRequest> asked) {
    seen.note(asked);
    return std::optional<Clock::time_point>();
  });
  CHECK_FALSE(s.stopping());
  REQUIRE(eventually([&] { return seen.requests().size() == 1; }));
  s.stop();
  CHECK(seen.requests()[0].id == waiting);
}

TEST_CASE("pass scheduler: stop before start, and a destructor that stops") {
  {
    PassScheduler s;
    s.stop();
    CHECK(s.stopping());
  }
  std::atomic<int> steps{0};
  {
    PassScheduler s;
    s.start([&](std::optional<PassRequest>) {
      ++steps;
      return std::optional<Clock::time_point>(Clock::now() + 5ms);
    });
    REQUIRE(eventually([&] { return steps.load() >= 2; }));
  }  // joins here
  const int after = steps.load();
  std::this_thread::sleep_for(30ms);
  CHECK(steps.load() == after);
}

TEST_CASE("pass scheduler: wakes at the time the step names, and only when asked without one") {
  SECTION("interval") {
    PassScheduler s;
    Seen seen;
    s.start([&](std::optional<PassRequest> asked) {
      seen.note(asked);
      return std::optional<Clock::time_point>(Clock::now() + 40ms);
    });
    std::this_thread::sleep_for(400ms);
    s.stop();
    // About ten wake-ups: not a busy loop, not stuck waiting.
    CHECK(seen.step_count() >= 4);
    CHECK(seen.step_count() <= 13);
    CHECK(seen.requests().empty());
  }
  SECTION("a time already past runs the step again at once") {
    PassScheduler s;
    std::atomic<int> steps{0};
    s.start([&](std::optional<PassRequest>) {
      ++steps;
      return std::optional<Clock::time_point>(steps < 50 ? Clock::now() : Clock::now() + 1h);
    });
    CHECK(eventually([&] { return steps.load() == 50; }));
    s.stop();
  }
  SECTION("no time: asleep until asked, and a request wakes it at once") {
    PassScheduler s;
    Seen seen;
    s.start([&](std::optional<PassRequest> asked) {
      seen.note(asked);
      return std::optional<Clock::time_point>();
    });
    REQUIRE(eventually([&] { return seen.step_count() == 1; }));  // the first step, at start
    std::this_thread::sleep_for(100ms);
    CHECK(seen.step_count() == 1);
    const auto t0 = Clock::now();
    s.request("b");
    REQUIRE(eventually([&] { return seen.requests().size() == 1; }));
    CHECK(Clock::now() - t0 < 1s);
    s.stop();
  }
  SECTION("a request cuts a long wait short") {
    PassScheduler s;
    Seen seen;
    s.start([&](std::optional<PassRequest> asked) {
      seen.note(asked);
      return std::optional<Clock::time_point>(Clock::now() + 1h);
    });
    REQUIRE(eventually([&] { return seen.step_count() == 1; }));
    s.request("");
    CHECK(eventually([&] { return seen.requests().size() == 1; }));
    s.stop();
  }
}

TEST_CASE("pass track: the running pass, then the last one") {
  struct Pass {
    int scanned = 0;
  };
  PassTrack<Pass> t;
  CHECK_FALSE(t.view().current);
  CHECK_FALSE(t.view().last);
  t.publish({3});
  CHECK(t.view().current->scanned == 3);
  CHECK_FALSE(t.view().last);
  t.finish({7});
  CHECK_FALSE(t.view().current);
  CHECK(t.view().last->scanned == 7);
  t.publish({1});
  t.abandon();  // shutdown mid-pass: the last finished one stays
  CHECK_FALSE(t.view().current);
  CHECK(t.view().last->scanned == 7);
}
