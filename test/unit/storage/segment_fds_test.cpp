// The segment descriptor cache (erasure/segment_fds.h): a descriptor is reused while its
// file is linked, and a file removed or replaced behind silt's back is opened again by
// path (and found missing), never read through a descriptor of the old one.
#include "erasure/segment_fds.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "erasure/segment_file.h"
#include "temp_dir.h"

using namespace silt;

namespace {
void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}
std::string read_all(const OpenFile& f, size_t n) {
  std::string out(n, '\0');
  REQUIRE(fs::pread_all(f.fd.get(), out.data(), n, 0, f.path));
  return out;
}
}  // namespace

TEST_CASE("segment descriptors are reused while their file is linked") {
  test::TempDir dir;
  std::filesystem::create_directories(segments_dir(dir.path()));
  write(segment_path(dir.path(), 7), "first");
  SegmentFds fds;
  auto a = fds.open(dir.path(), 7);
  REQUIRE(a);
  auto b = fds.open(dir.path(), 7);
  REQUIRE(b);
  CHECK(a->get() == b->get());  // the same open file
  CHECK(fds.size() == 1);
  CHECK(read_all(**b, 5) == "first");
}

TEST_CASE("a segment file removed behind the cache is found missing") {
  test::TempDir dir;
  std::filesystem::create_directories(segments_dir(dir.path()));
  write(segment_path(dir.path(), 3), "bytes");
  SegmentFds fds;
  auto held = fds.open(dir.path(), 3);
  REQUIRE(held);
  std::filesystem::remove(segment_path(dir.path(), 3));
  auto again = fds.open(dir.path(), 3);
  REQUIRE_FALSE(again);
  CHECK(again.error().message.find("open") != std::string::npos);
  CHECK(read_all(**held, 5) == "bytes");  // a reader that holds it reads on
}

TEST_CASE("a segment file replaced behind the cache is opened again") {
  test::TempDir dir;
  std::filesystem::create_directories(segments_dir(dir.path()));
  const std::string path = segment_path(dir.path(), 4);
  write(path, "old!!");
  SegmentFds fds;
  REQUIRE(fds.open(dir.path(), 4));
  write(path + ".tmp", "new!!");
  std::filesystem::rename(path + ".tmp", path);
  auto now = fds.open(dir.path(), 4);
  REQUIRE(now);
  CHECK(read_all(**now, 5) == "new!!");
}

TEST_CASE("forget drops a descriptor; the cache stays bounded") {
  test::TempDir dir;
  std::filesystem::create_directories(segments_dir(dir.path()));
  SegmentFds fds;
  for (uint64_t id = 1; id <= SegmentFds::kMaxOpen + 5; ++id) {
    write(segment_path(dir.path(), id), "x");
    REQUIRE(fds.open(dir.path(), id));
    CHECK(fds.size() <= SegmentFds::kMaxOpen);
  }
  const size_t before = fds.size();
  fds.forget(dir.path(), SegmentFds::kMaxOpen + 5);
  CHECK(fds.size() == before - 1);
}
