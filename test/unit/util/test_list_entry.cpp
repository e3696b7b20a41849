// common/list_entry.h: a page's entries view text the page holds; the views stay valid
// while the page lives, wherever it is moved, however many entries and long keys it has.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/list_entry.h"

using namespace silt;

TEST_CASE("ListResult: entries view the page's own text, across chunks and moves", "[list-entry]") {
  std::vector<std::string> keys;
  ListResult page;
  for (int i = 0; i < 3000; ++i) {
    // Short keys, and now and then one longer than a chunk (a 1 KiB key, or an old record's).
    keys.push_back(i % 500 == 7 ? std::string(40000, static_cast<char>('a' + i % 26))
                                : "dir/obj-" + std::to_string(100000000 + i));
    std::string etag = "etag-" + std::to_string(i);  // gone after add(): the page must hold a copy
    page.add(keys.back(), etag, i % 2 ? "STANDARD_IA" : "", static_cast<uint64_t>(i), 1795000000000 + i);
  }
  auto check = [&](const ListResult& r) {
    REQUIRE(r.objects.size() == keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      CHECK(r.objects[i].key == keys[i]);
      CHECK(r.objects[i].etag == "etag-" + std::to_string(i));
      CHECK(r.objects[i].storage_class == (i % 2 ? "STANDARD_IA" : ""));
      CHECK(r.objects[i].size == i);
      CHECK(r.objects[i].mtime_ms == 1795000000000 + static_cast<int64_t>(i));
    }
  };
  check(page);
  ListResult moved = std::move(page);
  check(moved);
  // The moved-from page starts over with text of its own: it never writes into the chunks
  // it gave away.
  page.objects.clear();
  page.add("x", "y", "", 1, 2);
  moved.add("w", "v", "", 0, 0);  // into moved's last chunk: must not land on page's "x"
  CHECK(page.objects[0].key == "x");
  CHECK(page.objects[0].etag == "y");
  moved.objects.pop_back();
  check(moved);
  ListResult assigned;
  assigned.add("old", "old", "", 0, 0);
  assigned = std::move(moved);
  check(assigned);
}
