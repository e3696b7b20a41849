#include "erasure/trash_remover.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace stdfs = std::filesystem;
using silt::TrashRemover;

namespace {
// A directory with a file and a subdirectory in it, as a data dir has.
std::string make_tree(const std::string& root, int i) {
  std::string dir = root + "/d" + std::to_string(i) + ".deleted";
  stdfs::create_directories(dir + "/sub");
  std::ofstream(dir + "/part.1") << "shard";
  std::ofstream(dir + "/sub/meta.json") << "{}";
  return dir;
}
}  // namespace

TEST_CASE("queued directories are removed with everything in them", "[trash]") {
  silt::test::TempDir tmp;
  TrashRemover trash;
  std::vector<std::string> dirs{make_tree(tmp.path(), 1), make_tree(tmp.path(), 2)};
  trash.remove_later(dirs);
  trash.wait_idle();
  for (const auto& d : dirs) CHECK_FALSE(stdfs::exists(d));
  trash.wait_idle();  // nothing queued: returns at once
}

TEST_CASE("more than the queue holds is still all removed", "[trash]") {
  silt::test::TempDir tmp;
  TrashRemover trash;
  std::vector<std::string> dirs;
  for (size_t i = 0; i < TrashRemover::kMaxQueued + 50; ++i) dirs.push_back(make_tree(tmp.path(), static_cast<int>(i)));
  // One batch per directory, as many deletes in a row would queue them.
  for (const auto& d : dirs) trash.remove_later({d});
  trash.wait_idle();
  CHECK(stdfs::is_empty(tmp.path()));
}

TEST_CASE("destruction does not wait for the queue", "[trash]") {
  silt::test::TempDir tmp;
  std::vector<std::string> dirs;
  for (int i = 0; i < 2000; ++i) dirs.push_back(make_tree(tmp.path(), i));
  {
    TrashRemover trash;
    trash.remove_later(dirs);
  }
  // The rest waits for the next startup, which empties tmp/ (recovery tests).
  size_t left = 0;
  for (const auto& d : dirs) left += stdfs::exists(d);
  CHECK(left > 0);
}
