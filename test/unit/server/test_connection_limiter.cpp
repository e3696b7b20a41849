#include <catch2/catch.hpp>
#include <optional>
#include <vector>

#include "server/http/connection_limiter.h"

using silt::server::ConnectionLimiter;
namespace ip = boost::asio::ip;

namespace {
ip::address addr(const char* s) {
  return ip::make_address(s);
}
}  // namespace

TEST_CASE("per-address and total limits, and places given back", "[connection_limiter]") {
  ConnectionLimiter limiter({3, 2});
  ConnectionLimiter::Full full{};
  std::vector<ConnectionLimiter::Slot> held;
  for (int i = 0; i < 2; ++i) {
    auto s = limiter.acquire(addr("10.0.0.1"), &full);
    REQUIRE(s);
    held.push_back(std::move(*s));
  }
  CHECK_FALSE(limiter.acquire(addr("10.0.0.1"), &full));
  CHECK(full == ConnectionLimiter::Full::PerAddress);

  auto other = limiter.acquire(addr("10.0.0.2"), &full);
  REQUIRE(other);
  CHECK(limiter.open() == 3);
  CHECK_FALSE(limiter.acquire(addr("10.0.0.3"), &full));
  CHECK(full == ConnectionLimiter::Full::Total);

  held.pop_back();  // one of 10.0.0.1's connections ends
  CHECK(limiter.open() == 2);
  auto again = limiter.acquire(addr("10.0.0.1"), &full);
  CHECK(again);
  other.reset();
  again.reset();
  held.clear();
  CHECK(limiter.open() == 0);
}

TEST_CASE("a moved slot is given back once", "[connection_limiter]") {
  ConnectionLimiter limiter({1, 1});
  std::optional<ConnectionLimiter::Slot> a = limiter.acquire(addr("10.0.0.1"), nullptr);
  REQUIRE(a);
  ConnectionLimiter::Slot b = std::move(*a);
  a.reset();
  CHECK(limiter.open() == 1);
  ConnectionLimiter::Slot c;
  c = std::move(b);
  CHECK(limiter.open() == 1);
  c = ConnectionLimiter::Slot();
  CHECK(limiter.open() == 0);
  CHECK(limiter.acquire(addr("10.0.0.1"), nullptr));
}

TEST_CASE("0 means no limit", "[connection_limiter]") {
  ConnectionLimiter limiter({0, 0});
  std::vector<ConnectionLimiter::Slot> held;
  for (int i = 0; i < 5000; ++i) {
    auto s = limiter.acquire(addr("10.0.0.1"), nullptr);
    REQUIRE(s);
    held.push_back(std::move(*s));
  }
  CHECK(limiter.open() == 5000);
}

TEST_CASE("what counts as one address", "[connection_limiter]") {
  // IPv4 seen on a dual-stack listener is the same IPv4 client.
  CHECK(ConnectionLimiter::address_key(addr("::ffff:192.0.2.7")) == "192.0.2.7");
  CHECK(ConnectionLimiter::address_key(addr("192.0.2.7")) == "192.0.2.7");
  // IPv6: one /64, whatever the host picks inside it.
  CHECK(ConnectionLimiter::address_key(addr("2001:db8:1:2:aaaa::1")) ==
        ConnectionLimiter::address_key(addr("2001:db8:1:2:bbbb::9")));
  CHECK(ConnectionLimiter::address_key(addr("2001:db8:1:2::1")) !=
        ConnectionLimiter::address_key(addr("2001:db8:1:3::1")));

  ConnectionLimiter limiter({0, 1});
  auto first = limiter.acquire(addr("2001:db8:1:2::1"), nullptr);
  REQUIRE(first);
  ConnectionLimiter::Full full{};
  CHECK_FALSE(limiter.acquire(addr("2001:db8:1:2::ffff"), &full));
  CHECK(full == ConnectionLimiter::Full::PerAddress);
  CHECK(limiter.acquire(addr("2001:db8:1:3::1"), nullptr));
}
