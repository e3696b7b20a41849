// How many connections silt holds open at once, in all and per client address
// (--max-connections, --max-connections-per-ip). Every open connection costs a descriptor
// and up to a read buffer and a request head of memory before anyone has signed anything,
// so the flood one client can send is bounded by what it is allowed to keep open.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace silt::server {

class ConnectionLimiter {
 public:
  struct Limits {
    size_t total = 0;        // 0: no limit
    size_t per_address = 0;  // 0: no limit
  };
  enum class Full { Total, PerAddress };

  // A held place; gives it back when destroyed. Movable, not copyable.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept : owner_(o.owner_), key_(std::move(o.key_)) { o.owner_ = nullptr; }
    Slot& operator=(Slot&& o) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    void release();
    ConnectionLimiter* owner_ = nullptr;
    std::string key_;
  };

  explicit ConnectionLimiter(Limits limits) : limits_(limits) {}

  // A place for a new connection from peer, or which limit is full. Thread-safe.
  // IPv4-mapped IPv6 peers count as their IPv4 address; IPv6 peers count per /64,
  // the block one host is usually given, so one host cannot pick fresh addresses.
  std::optional<Slot> acquire(const boost::asio::ip::address& peer, Full* full);

  // What counts as one address: for logs and tests.
  static std::string address_key(const boost::asio::ip::address& peer);

  size_t open() const;
  const Limits& limits() const { return limits_; }

 private:
  void release(const std::string& key);

  const Limits limits_;
  mutable std::mutex mu_;
  size_t open_ = 0;
  std::unordered_map<std::string, size_t> per_address_;
};

}  // namespace silt::server
