// GroupSync: every writer gets its answer, writers on one file system share one
// GroupSync, and concurrent asks complete (group commit, docs/format.md).
#include "erasure/group_sync.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>
#include <vector>

#include "erasure/fs.h"
#include "temp_dir.h"

using namespace silt;
using silt::test::TempDir;

TEST_CASE("GroupSync is shared per file system and answers every writer") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/a");
  std::filesystem::create_directories(dir.path() + "/b");
  GroupSyncs syncs;
  GroupSync* a = syncs.of(dir.path() + "/a");
  GroupSync* b = syncs.of(dir.path() + "/b");
  REQUIRE(a != nullptr);
  CHECK(a == b);  // same file system: one syncfs covers both drives
  CHECK(syncs.of(dir.path() + "/missing") == nullptr);

  REQUIRE(fs::write_file(dir.path() + "/a/f", "data"));
  CHECK(a->sync());

  // Many writers at once: each waits for a syncfs started after its ask; none hangs.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i)
        if (a->sync()) ok.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  CHECK(ok.load() == 16 * 20);

  // Tickets ask for a later syncfs than every earlier one.
  uint64_t t1 = a->request(), t2 = a->request();
  CHECK(t2 > t1);
  CHECK(a->wait(t2));
  CHECK(a->wait(t1));
}
