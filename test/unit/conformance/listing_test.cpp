// Listings through any backend, checked against the obvious definition of an S3
// listing (the reference model below) for every combination of prefix, delimiter,
// marker and max-keys, over keys chosen to be awkward.
#include <catch2/catch.hpp>
#include <set>

#include "env.h"

using namespace silt;

namespace {

// The obvious (slow) definition of an S3 listing, to check the index against.
ListResult reference_list(const std::set<std::string>& keys, const ListParams& p) {
  ListResult r;
  if (p.max_keys <= 0) return r;
  int count = 0;
  std::string last_cp;
  for (const auto& k : keys) {
    if (k.compare(0, p.prefix.size(), p.prefix) != 0) continue;
    std::string entry = k;
    bool is_prefix = false;
    if (!p.delimiter.empty()) {
      size_t pos = k.find(p.delimiter, p.prefix.size());
      if (pos != std::string::npos) {
        entry = k.substr(0, pos + p.delimiter.size());
        is_prefix = true;
      }
    }
    if (entry <= p.after) continue;
    if (is_prefix && entry == last_cp) continue;
    if (count == p.max_keys) {
      r.truncated = true;
      break;
    }
    if (is_prefix) {
      r.prefixes.push_back(entry);
      last_cp = entry;
    } else {
      r.add(entry, "", "", 0, 0);
    }
    r.last = entry;
    ++count;
  }
  return r;
}

std::vector<std::string> names(const ListResult& r) {
  std::vector<std::string> v;
  for (const auto& o : r.objects) v.emplace_back(o.key);
  return v;
}

const std::vector<std::string> kOddKeys = {"a b",    "a+b", "ä/ö",   "a//b",  "./x",          "100%",
                                           "d/",     "d/e", "d/f/g", "a/b/c", "a/b",          "a",
                                           "b",      "ab",  "a%2Fb", "z~",    "\xe2\x82\xac", std::string("n\0ul", 4),
                                           "bad\xff"};

}  // namespace

TEST_CASE("listing odd keys through the object layer", "[list]") {
  CONFORMANCE_ENV(env);
  REQUIRE(env.layer->make_bucket("b").ok());
  REQUIRE(env.layer->make_bucket("b2").ok());
  REQUIRE(env.put("b2", "a", "other bucket").ok());
  std::set<std::string> keys(kOddKeys.begin(), kOddKeys.end());
  for (const auto& k : kOddKeys) REQUIRE(env.put("b", k, k).ok());

  {  // no delimiter lists everything in byte order with full info
    auto r = env.layer->list_objects("b", {});
    REQUIRE(r.ok());
    CHECK(names(*r) == std::vector<std::string>(keys.begin(), keys.end()));
    CHECK(r->prefixes.empty());
    CHECK_FALSE(r->truncated);
    for (const auto& o : r->objects) {
      CHECK(o.size == o.key.size());
      CHECK(o.etag.size() == 32);
    }
  }
  {  // hand-checked delimiter listing
    ListParams p;
    p.delimiter = "/";
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    CHECK(r->prefixes == std::vector<std::string>{"./", "a/", "d/", "ä/"});
    CHECK(names(*r) == std::vector<std::string>{"100%", "a", "a b", "a%2Fb", "a+b", "ab", "b", "bad\xff",
                                                std::string("n\0ul", 4), "z~", "\xe2\x82\xac"});
    CHECK(r->last == "\xe2\x82\xac");
  }
  {  // a directory marker is an object under its own prefix
    ListParams p;
    p.prefix = "d/";
    p.delimiter = "/";
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    CHECK(names(*r) == std::vector<std::string>{"d/", "d/e"});
    CHECK(r->prefixes == std::vector<std::string>{"d/f/"});
  }
  {  // double delimiter
    ListParams p;
    p.prefix = "a/";
    p.delimiter = "/";
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    CHECK(r->prefixes == std::vector<std::string>{"a//", "a/b/"});
    CHECK(names(*r) == std::vector<std::string>{"a/b"});
  }
  {  // keys that are not valid UTF-8 or hold NUL keep their exact bytes
    auto st = env.layer->stat_object("b", "bad\xff");
    REQUIRE(st.ok());
    CHECK(st->key == "bad\xff");
    auto got = env.get("b", std::string("n\0ul", 4));
    REQUIRE(got.ok());
    CHECK(*got == std::string("n\0ul", 4));
  }
  {  // max_keys 0 returns nothing, not truncated
    ListParams p;
    p.max_keys = 0;
    auto r = env.layer->list_objects("b", p);
    REQUIRE(r.ok());
    CHECK(r->objects.empty());
    CHECK(r->prefixes.empty());
    CHECK_FALSE(r->truncated);
  }
  {  // every parameter combination agrees with the reference, and pages join up
    std::vector<std::string> prefixes = {"", "a", "a/", "d/", "ä", "z", "nothing"};
    std::vector<std::string> delims = {"", "/", "b", "//", "ö"};
    std::vector<std::string> afters = {"", "a", "a/", "a b", "d/", "./x", "zzz"};
    for (const auto& pre : prefixes)
      for (const auto& del : delims)
        for (const auto& aft : afters)
          for (int mk : {1, 2, 3, 1000}) {
            ListParams p{pre, del, aft, mk};
            INFO("prefix '" << pre << "' delim '" << del << "' after '" << aft << "' max " << mk);
            auto r = env.layer->list_objects("b", p);
            REQUIRE(r.ok());
            ListResult want = reference_list(keys, p);
            CHECK(names(*r) == names(want));
            CHECK(r->prefixes == want.prefixes);
            CHECK(r->truncated == want.truncated);
            CHECK(r->last == want.last);
          }
    // Paging with after = last yields the full listing exactly once.
    for (const auto& del : delims) {
      ListParams full{"", del, "", 1000};
      ListResult want = reference_list(keys, full);
      std::vector<std::string> objs, pres;
      ListParams p{"", del, "", 2};
      for (int guard = 0; guard < 100; ++guard) {
        auto r = env.layer->list_objects("b", p);
        REQUIRE(r.ok());
        for (const auto& o : r->objects) objs.emplace_back(o.key);
        pres.insert(pres.end(), r->prefixes.begin(), r->prefixes.end());
        if (!r->truncated) break;
        p.after = r->last;
      }
      CHECK(objs == names(want));
      CHECK(pres == want.prefixes);
    }
  }
}
