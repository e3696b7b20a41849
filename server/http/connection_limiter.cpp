#include "server/http/connection_limiter.h"

#include <algorithm>

namespace silt::server {

namespace ip = boost::asio::ip;

ConnectionLimiter::Slot& ConnectionLimiter::Slot::operator=(Slot&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = o.owner_;
    key_ = std::move(o.key_);
    o.owner_ = nullptr;
  }
  return *this;
}

void ConnectionLimiter::Slot::release() {
  if (owner_) owner_->release(key_);
  owner_ = nullptr;
}

std::string ConnectionLimiter::address_key(const ip::address& peer) {
  if (peer.is_v4()) return peer.to_string();
  ip::address_v6 v6 = peer.to_v6();
  if (v6.is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, v6).to_string();
  ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

std::optional<ConnectionLimiter::Slot> ConnectionLimiter::acquire(const ip::address& peer, Full* full) {
  std::string key = address_key(peer);
  std::lock_guard lock(mu_);
  if (limits_.total && open_ >= limits_.total) {
    if (full) *full = Full::Total;
    return std::nullopt;
  }
  size_t& mine = per_address_[key];
  if (limits_.per_address && mine >= limits_.per_address) {
    if (full) *full = Full::PerAddress;
    return std::nullopt;
  }
  ++mine;
  ++open_;
  return Slot(this, std::move(key));
}

void ConnectionLimiter::release(const std::string& key) {
  std::lock_guard lock(mu_);
  --open_;
  auto it = per_address_.find(key);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

size_t ConnectionLimiter::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

}  // namespace silt::server
