// A ListObjects page (v1 and v2) as the storage layers hand it to the server. An entry
// holds what the page's XML prints of a key and nothing else of the object: a full
// ObjectInfo per listed key (792 bytes, a dozen strings to build and free) was ~8 % of
// the gateway's CPU for a page of 1000 (docs/performance.md, "Listing pages: an entry of
// its own"). ListObjectVersions keeps ObjectInfo (common/object_model.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace silt {

struct ListParams {
  std::string prefix;
  std::string delimiter;  // empty: no grouping
  std::string after;      // list keys (and common prefixes) strictly greater than this
  int max_keys = 1000;    // counts objects plus common prefixes; 0 is allowed
};

// One listed key. Its views point into the text of the ListResult holding it.
struct ListEntry {
  std::string_view key;
  std::string_view etag;           // lowercase hex MD5, no quotes ("<md5>-N" for multipart)
  std::string_view storage_class;  // as the record has it; "" means STANDARD
  uint64_t size = 0;               // as a listing shows it: an encrypted object's plaintext size
  int64_t mtime_ms = 0;            // upload completion time, UTC
};

// The bytes a page's entries view: copied into chunks that never move, so a view stays
// valid as long as the store, moved or not, with a few allocations a page instead of
// two a key.
class PageText {
 public:
  PageText() = default;
  PageText(PageText&& o) noexcept;
  PageText& operator=(PageText&& o) noexcept;
  PageText(const PageText&) = delete;  // a copy's views would point into the original
  PageText& operator=(const PageText&) = delete;

  // A copy of s held by the store.
  std::string_view keep(std::string_view s);

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* free_ = nullptr;  // the unused end of the last chunk
  size_t left_ = 0;
};

struct ListResult {
  // Objects and common prefixes together, in key order, at most max_keys of them.
  std::vector<ListEntry> objects;
  std::vector<std::string> prefixes;
  bool truncated = false;
  // The greatest key or common prefix returned: pass it as `after` for the next page.
  std::string last;
  PageText text;  // what objects view; move the result, never copy it

  // Appends an entry, its strings copied into text.
  void add(std::string_view key, std::string_view etag, std::string_view storage_class, uint64_t size,
           int64_t mtime_ms) {
    objects.push_back({text.keep(key), text.keep(etag), text.keep(storage_class), size, mtime_ms});
  }
};

}  // namespace silt
