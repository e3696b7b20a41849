#include "lifecycle/evaluate.h"

#include <catch2/catch.hpp>

using namespace silt::lifecycle;

namespace {

constexpr int64_t kDay = kRealDayMs;
constexpr int64_t kShortDay = 2000;          // --lifecycle-day-seconds 2
constexpr int64_t kJan2030 = 1893456000000;  // 2030-01-01T00:00:00Z, a Tuesday

Configuration parse(const std::string& rules) {
  auto c = parse_configuration("<LifecycleConfiguration>" + rules + "</LifecycleConfiguration>",
                               [](std::string_view n) { return n == "STANDARD_IA" || n == "GLACIER_IR"; });
  INFO(rules);
  if (!c) INFO(c.error().message);
  REQUIRE(c.ok());
  return *c;
}

std::string rule(const std::string& id, const std::string& filter, const std::string& actions,
                 const char* status = "Enabled") {
  return "<Rule><ID>" + id + "</ID>" + filter + "<Status>" + status + "</Status>" + actions + "</Rule>";
}

ObjectState object(std::string key, int64_t mtime, uint64_t size = 100) {
  ObjectState o;
  o.key = std::move(key);
  o.mtime_ms = mtime;
  o.size = size;
  return o;
}

ObjectState noncurrent(std::string key, int64_t since, int newer) {
  ObjectState o = object(std::move(key), since - 5 * kDay);
  o.is_latest = false;
  o.noncurrent_since_ms = since;
  o.newer_noncurrent = newer;
  o.versioned_bucket = true;
  return o;
}

}  // namespace

TEST_CASE("due times: S3's midnight rounding with the real day, exact with a short one") {
  int64_t noon = kJan2030 + 12 * 3600 * 1000;
  // Created at noon on Jan 1, 1 day -> noon Jan 2 -> rounded up to midnight starting Jan 3.
  CHECK(due_ms(noon, 1, kDay) == kJan2030 + 2 * kDay);
  // Already at midnight stays there.
  CHECK(due_ms(kJan2030, 1, kDay) == kJan2030 + kDay);
  CHECK(due_ms(kJan2030 + 1, 0, kDay) == kJan2030 + kDay);
  CHECK(due_ms(noon, 3, kShortDay) == noon + 3 * kShortDay);
  CHECK(due_ms(noon, 0, kShortDay) == noon);
}

TEST_CASE("filters: prefix, every tag, strict size bounds") {
  Filter f;
  f.prefix = "logs/";
  f.tags = {{"a", "1"}, {"b", "2"}};
  f.size_greater_than = 10;
  f.size_less_than = 20;
  std::vector<std::pair<std::string, std::string>> both = {{"b", "2"}, {"x", "y"}, {"a", "1"}};
  CHECK(matches(f, "logs/x", 15, both));
  CHECK_FALSE(matches(f, "log/x", 15, both));
  CHECK_FALSE(matches(f, "logs/x", 15, {{"a", "1"}}));
  CHECK_FALSE(matches(f, "logs/x", 15, {{"a", "1"}, {"b", "3"}}));
  CHECK_FALSE(matches(f, "logs/x", 10, both));
  CHECK_FALSE(matches(f, "logs/x", 20, both));
  CHECK(matches(f, "logs/x", 11, both));
  CHECK(matches(f, "logs/x", 19, both));
  CHECK(matches(Filter{}, "", 0, {}));
}

TEST_CASE("expiration of current objects") {
  auto c = parse(rule("exp", "<Filter><Prefix>tmp/</Prefix></Filter>", "<Expiration><Days>2</Days></Expiration>"));
  auto o = object("tmp/a", kJan2030 + 1000);
  SECTION("real day: due at the second midnight after creation + 2 days") {
    CHECK(evaluate(c, o, kJan2030 + 2 * kDay + 999, kDay).kind == ActionKind::None);
    CHECK(evaluate(c, o, kJan2030 + 3 * kDay - 1, kDay).kind == ActionKind::None);
    auto a = evaluate(c, o, kJan2030 + 3 * kDay, kDay);
    CHECK(a.kind == ActionKind::Expire);
    CHECK(a.rule_id == "exp");
  }
  SECTION("short day: due exactly two short days later") {
    CHECK(evaluate(c, o, o.mtime_ms + 2 * kShortDay - 1, kShortDay).kind == ActionKind::None);
    CHECK(evaluate(c, o, o.mtime_ms + 2 * kShortDay, kShortDay).kind == ActionKind::Expire);
  }
  SECTION("other prefixes, disabled rules and delete markers are left alone") {
    CHECK(evaluate(c, object("keep/a", 0), kJan2030 * 2, kDay).kind == ActionKind::None);
    auto off = parse(rule("exp", "<Filter/>", "<Expiration><Days>1</Days></Expiration>", "Disabled"));
    CHECK(evaluate(off, o, kJan2030 * 2, kDay).kind == ActionKind::None);
    auto marker = o;
    marker.delete_marker = true;
    marker.versioned_bucket = true;
    CHECK(evaluate(c, marker, kJan2030 + 3 * kDay, kDay).kind == ActionKind::None);
  }
  SECTION("a Date expires everything matching from that midnight on, in either day mode") {
    auto d = parse(rule("date", "<Filter/>", "<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration>"));
    auto old = object("x", kJan2030 - 100 * kDay);
    CHECK(evaluate(d, old, kJan2030 - 1, kDay).kind == ActionKind::None);
    CHECK(evaluate(d, old, kJan2030, kDay).kind == ActionKind::Expire);
    CHECK(evaluate(d, old, kJan2030 - 1, kShortDay).kind == ActionKind::None);
    CHECK(evaluate(d, old, kJan2030, kShortDay).kind == ActionKind::Expire);
  }
}

TEST_CASE("transitions: latest due wins, expiration beats them, none into the class it is in") {
  auto c = parse(rule("tier", "<Filter/>",
                      "<Transition><Days>1</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"
                      "<Transition><Days>5</Days><StorageClass>GLACIER_IR</StorageClass></Transition>"
                      "<Expiration><Days>10</Days></Expiration>"));
  auto o = object("k", 0);
  CHECK(evaluate(c, o, kShortDay - 1, kShortDay).kind == ActionKind::None);
  auto a = evaluate(c, o, kShortDay, kShortDay);
  CHECK(a.kind == ActionKind::Transition);
  CHECK(a.storage_class == "STANDARD_IA");
  CHECK(a.rule_id == "tier");
  o.storage_class = "STANDARD_IA";
  CHECK(evaluate(c, o, 3 * kShortDay, kShortDay).kind == ActionKind::None);
  a = evaluate(c, o, 5 * kShortDay, kShortDay);
  CHECK(a.kind == ActionKind::Transition);
  CHECK(a.storage_class == "GLACIER_IR");
  // Straight from STANDARD when both are due: to the later one, not through the earlier.
  o.storage_class = "STANDARD";
  CHECK(evaluate(c, o, 7 * kShortDay, kShortDay).storage_class == "GLACIER_IR");
  o.storage_class = "GLACIER_IR";
  CHECK(evaluate(c, o, 7 * kShortDay, kShortDay).kind == ActionKind::None);
  CHECK(evaluate(c, o, 10 * kShortDay, kShortDay).kind == ActionKind::Expire);

  SECTION("across rules, and by Date") {
    auto two = parse(
        rule("early", "<Filter/>", "<Transition><Days>2</Days><StorageClass>GLACIER_IR</StorageClass></Transition>") +
        rule("dated", "<Filter><Prefix>k</Prefix></Filter>",
             "<Transition><Date>2030-01-01</Date><StorageClass>STANDARD_IA</StorageClass></Transition>"));
    auto x = object("k", kJan2030 - 30 * kDay);
    auto b = evaluate(two, x, kJan2030 - kDay, kDay);
    CHECK(b.rule_id == "early");
    CHECK(b.storage_class == "GLACIER_IR");
    b = evaluate(two, x, kJan2030, kDay);
    CHECK(b.rule_id == "dated");
    CHECK(b.storage_class == "STANDARD_IA");
  }
}

TEST_CASE("tag and size filters select what a rule acts on") {
  auto c = parse(rule("big-raw",
                      "<Filter><And><Tag><Key>tier</Key><Value>raw</Value></Tag>"
                      "<ObjectSizeGreaterThan>1000</ObjectSizeGreaterThan></And></Filter>",
                      "<Transition><Days>0</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"));
  auto o = object("a", 0, 1001);
  CHECK(evaluate(c, o, 1, kShortDay).kind == ActionKind::None);  // no tag
  o.tags = {{"tier", "raw"}};
  CHECK(evaluate(c, o, 1, kShortDay).kind == ActionKind::Transition);
  o.size = 1000;
  CHECK(evaluate(c, o, 1, kShortDay).kind == ActionKind::None);
}

TEST_CASE("noncurrent versions") {
  auto c = parse(rule("nc", "<Filter/>",
                      "<NoncurrentVersionTransition><NoncurrentDays>2</NoncurrentDays><StorageClass>STANDARD_IA"
                      "</StorageClass></NoncurrentVersionTransition>"
                      "<NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays>"
                      "<NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>"
                      "<Expiration><Days>100</Days></Expiration>"));
  int64_t since = 100 * kShortDay;
  SECTION("counted from when the version stopped being current, not from its creation") {
    auto v = noncurrent("k", since, 0);
    CHECK(evaluate(c, v, since + 2 * kShortDay - 1, kShortDay).kind == ActionKind::None);
    auto a = evaluate(c, v, since + 2 * kShortDay, kShortDay);
    CHECK(a.kind == ActionKind::Transition);
    CHECK(a.storage_class == "STANDARD_IA");
    v.storage_class = "STANDARD_IA";
    CHECK(evaluate(c, v, since + 4 * kShortDay, kShortDay).kind == ActionKind::None);
  }
  SECTION("NewerNoncurrentVersions keeps the newest noncurrent versions") {
    int64_t late = since + 50 * kShortDay;
    CHECK(evaluate(c, noncurrent("k", since, 0), late, kShortDay).kind != ActionKind::DeleteVersion);
    CHECK(evaluate(c, noncurrent("k", since, 1), late, kShortDay).kind != ActionKind::DeleteVersion);
    auto a = evaluate(c, noncurrent("k", since, 2), late, kShortDay);
    CHECK(a.kind == ActionKind::DeleteVersion);
    CHECK(a.rule_id == "nc");
    CHECK(evaluate(c, noncurrent("k", since, 2), since + 5 * kShortDay - 1, kShortDay).kind == ActionKind::Transition);
  }
  SECTION("noncurrent delete markers expire but never transition") {
    auto m = noncurrent("k", since, 3);
    m.delete_marker = true;
    CHECK(evaluate(c, m, since + 3 * kShortDay, kShortDay).kind == ActionKind::None);
    CHECK(evaluate(c, m, since + 5 * kShortDay, kShortDay).kind == ActionKind::DeleteVersion);
  }
  SECTION("the real day rounds noncurrent days up to midnight as well") {
    auto v = noncurrent("k", kJan2030 + 1, 5);
    CHECK(evaluate(c, v, kJan2030 + 5 * kDay, kDay).kind == ActionKind::Transition);
    CHECK(evaluate(c, v, kJan2030 + 6 * kDay, kDay).kind == ActionKind::DeleteVersion);
  }
}

TEST_CASE("expired object delete markers") {
  auto c = parse(rule("eodm", "<Filter><Prefix>a/</Prefix></Filter>",
                      "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"));
  auto m = object("a/x", 10, 0);
  m.delete_marker = true;
  m.versioned_bucket = true;
  CHECK(evaluate(c, m, 11, kDay).kind == ActionKind::None);  // other versions still behind it
  m.only_version = true;
  auto a = evaluate(c, m, 11, kDay);
  CHECK(a.kind == ActionKind::DeleteVersion);
  CHECK(a.rule_id == "eodm");
  m.key = "b/x";
  CHECK(evaluate(c, m, 11, kDay).kind == ActionKind::None);
  // A live object is not touched by the marker rule.
  auto o = object("a/x", 0);
  CHECK(evaluate(c, o, kJan2030, kDay).kind == ActionKind::None);

  SECTION("an Expiration in Days removes a lone marker once it is that old") {
    auto d = parse(rule("days", "<Filter/>", "<Expiration><Days>3</Days></Expiration>"));
    auto lone = object("z", 0, 0);
    lone.delete_marker = lone.only_version = lone.versioned_bucket = true;
    CHECK(evaluate(d, lone, 3 * kShortDay - 1, kShortDay).kind == ActionKind::None);
    CHECK(evaluate(d, lone, 3 * kShortDay, kShortDay).kind == ActionKind::DeleteVersion);
  }
}

TEST_CASE("expiration_of and the x-amz-expiration header") {
  auto c =
      parse(rule("long", "<Filter/>", "<Expiration><Days>30</Days></Expiration>") +
            rule("short one", "<Filter><Prefix>tmp/</Prefix></Filter>", "<Expiration><Days>1</Days></Expiration>") +
            rule("off", "<Filter/>", "<Expiration><Days>1</Days></Expiration>", "Disabled"));
  auto o = object("tmp/x", kJan2030 + 5000);
  auto e = expiration_of(c, o, kDay);
  REQUIRE(e);
  CHECK(e->rule_id == "short one");
  CHECK(e->date_ms == kJan2030 + 2 * kDay);
  CHECK(expiration_header(*e) == "expiry-date=\"Thu, 03 Jan 2030 00:00:00 GMT\", rule-id=\"short%20one\"");
  e = expiration_of(c, object("data/x", kJan2030), kDay);
  REQUIRE(e);
  CHECK(e->rule_id == "long");
  CHECK(e->date_ms == kJan2030 + 30 * kDay);
  e = expiration_of(c, object("data/x", kJan2030), kShortDay);
  CHECK(e->date_ms == kJan2030 + 30 * kShortDay);

  auto marker = o;
  marker.delete_marker = true;
  CHECK_FALSE(expiration_of(c, marker, kDay));
  auto old = o;
  old.is_latest = false;
  CHECK_FALSE(expiration_of(c, old, kDay));
  auto none =
      parse(rule("t", "<Filter/>", "<Transition><Days>1</Days><StorageClass>GLACIER_IR</StorageClass></Transition>"));
  CHECK_FALSE(expiration_of(none, o, kDay));
}

TEST_CASE("abort_due for incomplete multipart uploads") {
  auto c = parse(rule("abort", "<Filter><Prefix>up/</Prefix></Filter>",
                      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation>"
                      "</AbortIncompleteMultipartUpload>") +
                 rule("off", "<Filter/>",
                      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
                      "</AbortIncompleteMultipartUpload>",
                      "Disabled"));
  CHECK_FALSE(abort_due(c, "up/a", 0, 2 * kShortDay - 1, kShortDay));
  CHECK(abort_due(c, "up/a", 0, 2 * kShortDay, kShortDay));
  CHECK_FALSE(abort_due(c, "other", 0, 100 * kShortDay, kShortDay));
  int64_t noon = kJan2030 + kDay / 2;
  CHECK_FALSE(abort_due(c, "up/a", noon, kJan2030 + 3 * kDay - 1, kDay));
  CHECK(abort_due(c, "up/a", noon, kJan2030 + 3 * kDay, kDay));
}
