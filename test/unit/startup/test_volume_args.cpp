// MinIO's drive arguments: plain folders, {N...M} ranges, MINIO_VOLUMES lists.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cmd/volume_args.h"

using silt::expand_volume_args;
using silt::expand_volume_list;
using V = std::vector<std::string>;

TEST_CASE("plain folders stay as given, in order") {
  CHECK(*expand_volume_args({"/data"}) == V{"/data"});
  CHECK(*expand_volume_args({"/d2", "/d1", "rel/d3"}) == V{"/d2", "/d1", "rel/d3"});
  CHECK(expand_volume_args({})->empty());
}

TEST_CASE("a range expands in place; zero padding is kept; several ranges combine") {
  CHECK(*expand_volume_args({"/data{1...4}"}) == V{"/data1", "/data2", "/data3", "/data4"});
  CHECK(*expand_volume_args({"/mnt/disk{8...10}/minio"}) ==
        V{"/mnt/disk8/minio", "/mnt/disk9/minio", "/mnt/disk10/minio"});
  CHECK(*expand_volume_args({"/d{01...03}"}) == V{"/d01", "/d02", "/d03"});
  CHECK(*expand_volume_args({"/d{08...10}"}) == V{"/d08", "/d09", "/d10"});
  CHECK(*expand_volume_args({"/m{1...2}/d{1...2}"}) == V{"/m1/d1", "/m1/d2", "/m2/d1", "/m2/d2"});
  CHECK(*expand_volume_args({"/a{1...2}", "/b"}) == V{"/a1", "/a2", "/b"});
  CHECK(*expand_volume_args({"/x{3...3}"}) == V{"/x3"});
}

TEST_CASE("refused: URLs, bad or empty ranges, duplicates, too many folders") {
  auto url = expand_volume_args({"http://minio{1...4}/data{1...2}"});
  REQUIRE_FALSE(url);
  CHECK(url.error().message.find("distributed") != std::string::npos);
  CHECK_FALSE(expand_volume_args({"/d{4...1}"}));
  CHECK_FALSE(expand_volume_args({"/d{a...d}"}));
  CHECK_FALSE(expand_volume_args({"/d{1...}"}));
  CHECK_FALSE(expand_volume_args({"/d}{1...2}"}));
  CHECK_FALSE(expand_volume_args({"/d{1...}"}));
  CHECK_FALSE(expand_volume_args({"/d}{1...2}"}));
  CHECK_FALSE(expand_volume_args({"/d...x"}));
  CHECK_FALSE(expand_volume_args({""}));
  auto dup = expand_volume_args({"/d{1...2}", "/d2"});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message == "drive directory /d2 is named twice");
  CHECK_FALSE(expand_volume_args({"/d{1...257}"}));
  CHECK_FALSE(expand_volume_args({"/a{1...20}/b{1...20}"}));
  CHECK(expand_volume_args({"/d{1...256}"})->size() == 256);
}

TEST_CASE("MINIO_VOLUMES: blank-separated, each expanded") {
  CHECK(*expand_volume_list("/data") == V{"/data"});
  CHECK(*expand_volume_list("  /a{1...2}\t/b \n") == V{"/a1", "/a2", "/b"});
  CHECK(expand_volume_list("   ")->empty());
}
