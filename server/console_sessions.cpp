#include "server/console_sessions.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "util/hash.h"

namespace silt::server {

namespace {
// Stands for every key once the failure table is full, so it cannot grow without bound.
constexpr std::string_view kOverflowKey = "\x01overflow";
}  // namespace

std::string ConsoleSessions::create(const std::string& user, int64_t now_ms) {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string token = hex_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
  std::lock_guard lock(mu_);
  drop_expired(now_ms);
  while (sessions_.size() >= opt_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.created_ms < oldest->second.created_ms) oldest = it;
    sessions_.erase(oldest);
  }
  sessions_[sha256_raw(token)] = Entry{user, now_ms, now_ms + opt_.lifetime_ms};
  return token;
}

std::optional<std::string> ConsoleSessions::user_of(std::string_view token, int64_t now_ms) {
  if (token.size() != 64) return std::nullopt;
  const std::string key = sha256_raw(token);
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires_ms <= now_ms) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.user;
}

void ConsoleSessions::remove(std::string_view token) {
  const std::string key = sha256_raw(token);
  std::lock_guard lock(mu_);
  sessions_.erase(key);
}

size_t ConsoleSessions::size() {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void ConsoleSessions::drop_expired(int64_t now_ms) {
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires_ms <= now_ms; });
}

std::string ConsoleSessions::tracked_key(std::string_view access_key) {
  if (failures_.count(access_key) || failures_.size() < opt_.max_tracked_keys) return std::string(access_key);
  return std::string(kOverflowKey);
}

bool ConsoleSessions::locked(std::string_view access_key, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return locked_locked(access_key, now_ms);
}

bool ConsoleSessions::locked_locked(std::string_view access_key, int64_t now_ms) {
  auto it = failures_.find(tracked_key(access_key));
  if (it == failures_.end()) return false;
  if (now_ms - it->second.window_start_ms >= opt_.failure_window_ms) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= opt_.max_failures;
}

bool ConsoleSessions::begin_attempt(std::string_view access_key, int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (locked_locked(access_key, now_ms)) return false;
  if (failures_.size() >= opt_.max_tracked_keys)
    std::erase_if(failures_,
                  [&](const auto& kv) { return now_ms - kv.second.window_start_ms >= opt_.failure_window_ms; });
  Failures& f = failures_[tracked_key(access_key)];
  if (f.count == 0) f.window_start_ms = now_ms;
  ++f.count;
  return true;
}

void ConsoleSessions::clear_failures(std::string_view access_key) {
  std::lock_guard lock(mu_);
  failures_.erase(std::string(access_key));
}

}  // namespace silt::server
