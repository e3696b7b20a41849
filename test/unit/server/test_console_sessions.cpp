#include <catch2/catch.hpp>
#include <set>

#include "server/console_sessions.h"

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

TEST_CASE("console sessions: failed sign-ins lock a key for the rest of the window", "[console]") {
  ConsoleSessionOptions opt;
  opt.max_failures = 3;
  opt.failure_window_ms = 1000;
  opt.max_tracked_keys = 2;
  ConsoleSessions s(opt);
  for (int i = 0; i < 3; i++) CHECK(s.begin_attempt("k", 10 + i));
  CHECK_FALSE(s.begin_attempt("k", 500));  // the fourth attempt inside the window
  CHECK(s.locked("k", 500));
  CHECK_FALSE(s.locked("other", 500));  // per key
  CHECK_FALSE(s.locked("k", 1010));     // the window has passed
  for (int i = 0; i < 3; i++) CHECK(s.begin_attempt("k", 2000));
  CHECK(s.locked("k", 2001));
  s.clear_failures("k");  // a successful sign-in
  CHECK_FALSE(s.locked("k", 2002));
  CHECK(s.begin_attempt("k", 2002));

  // Beyond max_tracked_keys, further keys share one entry: the table stays small.
  s.clear_failures("k");
  CHECK(s.begin_attempt("a", 3000));
  CHECK(s.begin_attempt("b", 3000));
  for (int i = 0; i < 3; i++) CHECK(s.begin_attempt("c" + std::to_string(i), 3000));
  CHECK(s.locked("c9", 3001));
  CHECK_FALSE(s.locked("a", 3001));
}
