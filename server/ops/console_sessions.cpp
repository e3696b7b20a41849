#include "server/ops/console_sessions.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "util/hash.h"

namespace silt::server {

namespace {
// One table key per (access key, source address); an access key holds no NUL.
std::string pair_key(std::string_view access_key, std::string_view source) {
  std::string k(access_key);
  k.push_back('\0');
  k.append(source);
  return k;
}
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

ConsoleSessions::Failures* ConsoleSessions::find_failures(const std::string& pair, int64_t now_ms) {
  auto it = failures_.find(pair);
  if (it == failures_.end()) return nullptr;
  if (now_ms - it->second.window_start_ms >= opt_.failure_window_ms) {
    failures_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void ConsoleSessions::make_room(int64_t now_ms) {
  if (failures_.size() < opt_.max_tracked) return;
  std::erase_if(failures_,
                [&](const auto& kv) { return now_ms - kv.second.window_start_ms >= opt_.failure_window_ms; });
  if (failures_.size() < opt_.max_tracked || failures_.empty()) return;
  // Still full: forget the pair idle longest. Addresses cycling through the table only
  // forget each other; a pair in active use is the last to go.
  auto stalest = failures_.begin();
  for (auto it = failures_.begin(); it != failures_.end(); ++it)
    if (it->second.last_ms < stalest->second.last_ms) stalest = it;
  failures_.erase(stalest);
}

ConsoleSessions::Attempt ConsoleSessions::begin_attempt(std::string_view access_key, std::string_view source,
                                                        int64_t now_ms) {
  const std::string pair = pair_key(access_key, source);
  std::lock_guard lock(mu_);
  Failures* f = find_failures(pair, now_ms);
  if (!f) {
    make_room(now_ms);
    f = &failures_[pair];
    f->window_start_ms = now_ms;
  }
  f->last_ms = now_ms;
  if (f->count < opt_.max_failures) {
    ++f->count;
    return Attempt{true, 0, false};
  }
  // Throttled: secrets are checked one per interval, in the order attempts arrive.
  const int64_t turn = std::max(now_ms, f->next_turn_ms);
  if (turn - now_ms > opt_.max_wait_ms) return Attempt{false, 0, true};
  f->next_turn_ms = turn + opt_.throttle_interval_ms;
  return Attempt{true, turn - now_ms, true};
}

void ConsoleSessions::succeeded(std::string_view access_key, std::string_view source) {
  const std::string pair = pair_key(access_key, source);
  std::lock_guard lock(mu_);
  failures_.erase(pair);
}

bool ConsoleSessions::throttled(std::string_view access_key, std::string_view source, int64_t now_ms) {
  const std::string pair = pair_key(access_key, source);
  std::lock_guard lock(mu_);
  const Failures* f = find_failures(pair, now_ms);
  return f && f->count >= opt_.max_failures;
}

size_t ConsoleSessions::tracked() {
  std::lock_guard lock(mu_);
  return failures_.size();
}

}  // namespace silt::server
