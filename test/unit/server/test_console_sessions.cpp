#include <catch2/catch.hpp>
#include <set>

#include "server/ops/console_sessions.h"

using silt::server::ConsoleSessionOptions;
using silt::server::ConsoleSessions;

TEST_CASE("console sessions: a token names its user until it expires or is removed", "[console]") {
  ConsoleSessionOptions opt;
  opt.lifetime_ms = 1000;
  ConsoleSessions s(opt);
  const std::string t = s.create("root", 5000);
  REQUIRE(t.size() == 64);
  REQUIRE(t.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(s.user_of(t, 5000) == std::optional<std::string>("root"));
  CHECK(s.user_of(t, 5999) == std::optional<std::string>("root"));
  CHECK_FALSE(s.user_of(t, 6000));  // expired
  CHECK_FALSE(s.user_of(t, 5500));  // and gone from the table
  const std::string u = s.create("root", 7000);
  s.remove(u);
  CHECK_FALSE(s.user_of(u, 7001));
}

TEST_CASE("console sessions: forged, truncated and altered tokens are refused", "[console]") {
  ConsoleSessions s;
  const std::string t = s.create("root", 0);
  std::string altered = t;
  altered[10] = altered[10] == 'a' ? 'b' : 'a';
  CHECK_FALSE(s.user_of(altered, 1));
  CHECK_FALSE(s.user_of(t.substr(0, 63), 1));
  CHECK_FALSE(s.user_of(t + "0", 1));
  CHECK_FALSE(s.user_of("", 1));
  CHECK_FALSE(s.user_of(std::string(64, '0'), 1));
  CHECK(s.user_of(t, 1));
}

TEST_CASE("console sessions: tokens are random and the table is bounded", "[console]") {
  ConsoleSessionOptions opt;
  opt.max_sessions = 3;
  ConsoleSessions s(opt);
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; i++) tokens.push_back(s.create("root", 100 + i));
  CHECK(std::set<std::string>(tokens.begin(), tokens.end()).size() == 5);
  CHECK(s.size() == 3);
  // The oldest sign-ins made room for the newest.
  CHECK_FALSE(s.user_of(tokens[0], 200));
  CHECK_FALSE(s.user_of(tokens[1], 200));
  for (int i = 2; i < 5; i++) CHECK(s.user_of(tokens[i], 200));
}

TEST_CASE("console sessions: failed sign-ins throttle one (key, address), never lock a key out", "[console]") {
  ConsoleSessionOptions opt;
  opt.max_failures = 3;
  opt.failure_window_ms = 100000;
  opt.throttle_interval_ms = 1000;
  opt.max_wait_ms = 2000;
  ConsoleSessions s(opt);
  // Counted before the secret is checked: three admitted at once, no wait.
  for (int i = 0; i < 3; i++) {
    auto a = s.begin_attempt("k", "10.0.0.1", 10);
    CHECK((a.admitted && a.wait_ms == 0 && !a.throttled));
  }
  CHECK(s.throttled("k", "10.0.0.1", 10));
  // Past the limit, attempts take turns a second apart; one that would wait past 2 s is refused.
  auto t1 = s.begin_attempt("k", "10.0.0.1", 20);
  CHECK((t1.admitted && t1.wait_ms == 0 && t1.throttled));
  auto t2 = s.begin_attempt("k", "10.0.0.1", 20);
  CHECK((t2.admitted && t2.wait_ms == 1000));
  auto t3 = s.begin_attempt("k", "10.0.0.1", 20);
  CHECK((t3.admitted && t3.wait_ms == 2000));
  CHECK_FALSE(s.begin_attempt("k", "10.0.0.1", 20).admitted);
  CHECK(s.begin_attempt("k", "10.0.0.1", 1500).wait_ms == 1520);  // turns keep their order

  // Another address, and another key from the same address, are not slowed at all.
  auto other = s.begin_attempt("k", "10.0.0.2", 30);
  CHECK((other.admitted && other.wait_ms == 0 && !other.throttled));
  CHECK_FALSE(s.throttled("k", "10.0.0.2", 30));
  CHECK_FALSE(s.begin_attempt("k2", "10.0.0.1", 30).throttled);

  // A correct secret (checked once its turn came) starts the pair over.
  s.succeeded("k", "10.0.0.1");
  CHECK_FALSE(s.throttled("k", "10.0.0.1", 40));
  CHECK(s.begin_attempt("k", "10.0.0.1", 40).wait_ms == 0);

  // The window passing starts it over too.
  for (int i = 0; i < 3; i++) (void)s.begin_attempt("w", "10.0.0.9", 0);
  CHECK(s.throttled("w", "10.0.0.9", 99999));
  CHECK_FALSE(s.throttled("w", "10.0.0.9", 100000));
}

TEST_CASE("console sessions: the attempt table is bounded; the pair idle longest goes first", "[console]") {
  ConsoleSessionOptions opt;
  opt.max_failures = 2;
  opt.max_tracked = 3;
  ConsoleSessions s(opt);
  for (int i = 0; i < 2; i++) (void)s.begin_attempt("admin", "10.0.0.1", 100);  // throttled
  for (int i = 0; i < 2; i++) (void)s.begin_attempt("admin", "10.0.0.2", 200);
  (void)s.begin_attempt("admin", "10.0.0.3", 300);
  CHECK(s.tracked() == 3);
  (void)s.begin_attempt("admin", "10.0.0.1", 400);  // in use again
  (void)s.begin_attempt("admin", "10.0.0.4", 450);  // the table is full: 10.0.0.2 goes, not 10.0.0.1
  CHECK(s.tracked() == 3);
  CHECK(s.throttled("admin", "10.0.0.1", 460));
  CHECK_FALSE(s.throttled("admin", "10.0.0.2", 460));
  // A thousand more addresses: the table stays at three entries.
  for (int i = 0; i < 1000; i++) (void)s.begin_attempt("admin", "192.0.2." + std::to_string(i), 500 + i);
  CHECK(s.tracked() == 3);
  CHECK_FALSE(s.throttled("admin", "10.0.0.2", 2000));
  CHECK_FALSE(s.throttled("admin", "10.0.0.3", 2000));
}
