// Object Lock: server/s3/object_lock.h (documents, headers, default retention) and the
// rules the object layer judges in its commits (index/write_conditions.h).
#include <catch2/catch.hpp>
#include <string>

#include "index/write_conditions.h"
#include "server/s3/object_lock.h"
#include "util/time.h"

using namespace silt;
using namespace silt::server;

namespace {
constexpr int64_t kNow = 1'800'000'000'000;  // 2027-01-15
constexpr int64_t kDay = 86'400'000;

ObjectLock lock(std::string mode, int64_t until, bool hold = false) {
  return ObjectLock{std::move(mode), until, hold};
}
ObjectRecord version_with(const ObjectLock& l) {
  ObjectRecord r;
  r.info.meta.lock = l;
  return r;
}
}  // namespace

TEST_CASE("ObjectLockConfiguration: Enabled, an optional default of Days or Years", "[object-lock]") {
  auto c = parse_object_lock_configuration(
      "<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ObjectLockEnabled>Enabled"
      "</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule>"
      "</ObjectLockConfiguration>");
  REQUIRE(c.ok());
  REQUIRE(c->retention);
  CHECK(c->retention->mode == "GOVERNANCE");
  CHECK(c->retention->days == 3);
  auto again = parse_object_lock_configuration(object_lock_configuration_xml(*c));
  REQUIRE(again.ok());
  CHECK(again->retention->days == 3);
  CHECK_FALSE(parse_object_lock_configuration(object_lock_configuration_xml({}))->retention);

  const std::string head = "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>";
  auto rule = [&](std::string r) {
    return head + "<Rule><DefaultRetention>" + r + "</DefaultRetention></Rule></ObjectLockConfiguration>";
  };
  CHECK(parse_object_lock_configuration(rule("<Mode>COMPLIANCE</Mode><Days>1</Days><Years>1</Years>")).error().code ==
        s3::Code::MalformedXML);
  CHECK(parse_object_lock_configuration(rule("<Mode>COMPLIANCE</Mode>")).error().code == s3::Code::MalformedXML);
  CHECK(parse_object_lock_configuration(rule("<Mode>STRICT</Mode><Days>1</Days>")).error().code ==
        s3::Code::MalformedXML);
  CHECK(parse_object_lock_configuration(rule("<Mode>COMPLIANCE</Mode><Days>0</Days>")).error().code ==
        s3::Code::InvalidArgument);
  CHECK(parse_object_lock_configuration(rule("<Mode>COMPLIANCE</Mode><Years>-1</Years>")).error().code ==
        s3::Code::InvalidArgument);
  CHECK(parse_object_lock_configuration("<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled>"
                                        "</ObjectLockConfiguration>")
            .error()
            .code == s3::Code::MalformedXML);
}

TEST_CASE("Retention and LegalHold documents", "[object-lock]") {
  auto r = parse_retention(
      "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate>"
      "</Retention>",
      kNow);
  REQUIRE(r.ok());
  CHECK(r->mode == "COMPLIANCE");
  CHECK(iso8601_ms(r->retain_until_ms) == "2030-01-01T00:00:00.000Z");
  CHECK(parse_retention(retention_xml(*r), kNow)->retain_until_ms == r->retain_until_ms);
  CHECK(parse_retention("<Retention/>", kNow)->mode.empty());
  auto past = parse_retention(
      "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2020-01-01T00:00:00Z</RetainUntilDate></Retention>", kNow);
  CHECK(past.error().code == s3::Code::InvalidArgument);
  CHECK(past.error().message == "The retain until date must be in the future!");
  CHECK(parse_retention("<Retention><Mode>GOVERNANCE</Mode></Retention>", kNow).error().code == s3::Code::MalformedXML);
  CHECK(*parse_legal_hold("<LegalHold><Status>ON</Status></LegalHold>"));
  CHECK_FALSE(*parse_legal_hold(legal_hold_xml(false)));
  CHECK(parse_legal_hold("<LegalHold><Status>on</Status></LegalHold>").error().code == s3::Code::MalformedXML);
}

TEST_CASE("Default retention: days from now, calendar years", "[object-lock]") {
  CHECK(default_lock({"GOVERNANCE", 2, 0}, kNow).retain_until_ms == kNow + 2 * kDay);
  auto y = default_lock({"COMPLIANCE", 0, 1}, *parse_iso8601("2028-02-29T10:00:00Z"));
  CHECK(y.mode == "COMPLIANCE");
  CHECK(iso8601_ms(y.retain_until_ms) == "2029-02-28T10:00:00.000Z");
}

TEST_CASE("A locked version cannot be removed, by anyone, until its date passes", "[object-lock]") {
  CHECK(check_version_removable(version_with({}), kNow, false).ok());
  CHECK(check_version_removable(version_with(lock("COMPLIANCE", kNow + 1)), kNow, true).error().code ==
        s3::Code::AccessDenied);
  CHECK(check_version_removable(version_with(lock("COMPLIANCE", kNow)), kNow, false).ok());
  CHECK(check_version_removable(version_with(lock("GOVERNANCE", kNow + 1)), kNow, false).error().code ==
        s3::Code::AccessDenied);
  CHECK(check_version_removable(version_with(lock("GOVERNANCE", kNow + 1)), kNow, true).ok());
  // A legal hold holds whatever the retention says, bypass or not.
  CHECK(check_version_removable(version_with(lock("", 0, true)), kNow, true).error().code == s3::Code::AccessDenied);
}

TEST_CASE("Retention changes: COMPLIANCE only grows, GOVERNANCE shrinks with a bypass", "[object-lock]") {
  auto change = [](ObjectLock want, bool bypass = false) {
    LockChange c;
    c.retention = std::move(want);
    c.bypass_governance = bypass;
    return c;
  };
  const ObjectLock compliance = lock("COMPLIANCE", kNow + 10 * kDay);
  CHECK(apply_lock_change(compliance, change(lock("COMPLIANCE", kNow + 20 * kDay)), kNow).ok());
  CHECK(apply_lock_change(compliance, change(lock("COMPLIANCE", kNow + 5 * kDay), true), kNow).error().code ==
        s3::Code::AccessDenied);
  CHECK(apply_lock_change(compliance, change(lock("GOVERNANCE", kNow + 20 * kDay), true), kNow).error().code ==
        s3::Code::AccessDenied);
  CHECK(apply_lock_change(compliance, change(ObjectLock{}, true), kNow).error().code == s3::Code::AccessDenied);
  // Expired: anything goes.
  CHECK(apply_lock_change(compliance, change(ObjectLock{}), kNow + 11 * kDay)->mode.empty());

  const ObjectLock governance = lock("GOVERNANCE", kNow + 10 * kDay);
  CHECK(apply_lock_change(governance, change(lock("GOVERNANCE", kNow + 20 * kDay)), kNow).ok());
  CHECK(apply_lock_change(governance, change(lock("COMPLIANCE", kNow + 10 * kDay)), kNow)->mode == "COMPLIANCE");
  CHECK(apply_lock_change(governance, change(lock("GOVERNANCE", kNow + kDay)), kNow).error().code ==
        s3::Code::AccessDenied);
  CHECK(apply_lock_change(governance, change(lock("GOVERNANCE", kNow + kDay), true), kNow)->retain_until_ms ==
        kNow + kDay);
  CHECK(apply_lock_change(governance, change(ObjectLock{}), kNow).error().code == s3::Code::AccessDenied);
  CHECK(apply_lock_change(governance, change(ObjectLock{}, true), kNow)->mode.empty());

  LockChange hold;
  hold.legal_hold = true;
  auto held = apply_lock_change(compliance, hold, kNow);
  CHECK(held->legal_hold);
  CHECK(held->mode == "COMPLIANCE");  // a legal hold leaves the retention alone
}
