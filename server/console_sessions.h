// The web console's sign-ins: random tokens held in memory with an expiry, and
// a limit on failed sign-ins per access key. Tokens never leave the process
// except in the browser's cookie; the table keys them by SHA-256, so a lookup
// compares digests of the token rather than the token itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace silt::server {

struct ConsoleSessionOptions {
  int64_t lifetime_ms = 12LL * 3600 * 1000;
  size_t max_sessions = 1024;  // the oldest sign-in goes when a new one would exceed it
  // A key with this many failures inside the window is refused until the window has passed.
  int max_failures = 10;
  int64_t failure_window_ms = 10LL * 60 * 1000;
  size_t max_tracked_keys = 4096;  // failures of further keys count under one shared entry
};

class ConsoleSessions {
 public:
  explicit ConsoleSessions(ConsoleSessionOptions opt = {}) : opt_(opt) {}

  // A new session for user; returns the token (64 hex characters, 256 random bits).
  std::string create(const std::string& user, int64_t now_ms);
  // The user of a live session, or nothing (unknown, forged or expired token).
  std::optional<std::string> user_of(std::string_view token, int64_t now_ms);
  void remove(std::string_view token);
  size_t size();

  // Sign-in attempts. begin_attempt() counts one against access_key before its secret is
  // checked, so parallel guesses are bounded too, and is false (nothing counted) while the
  // key is locked; a successful sign-in clears the count.
  bool begin_attempt(std::string_view access_key, int64_t now_ms);
  bool locked(std::string_view access_key, int64_t now_ms);
  void clear_failures(std::string_view access_key);

  const ConsoleSessionOptions& options() const { return opt_; }

 private:
  struct Entry {
    std::string user;
    int64_t created_ms = 0;
    int64_t expires_ms = 0;
  };
  struct Failures {
    int count = 0;
    int64_t window_start_ms = 0;
  };
  void drop_expired(int64_t now_ms);
  bool locked_locked(std::string_view access_key, int64_t now_ms);  // mu_ held
  std::string tracked_key(std::string_view access_key);

  ConsoleSessionOptions opt_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> sessions_;  // by SHA-256 of the token
  std::map<std::string, Failures, std::less<>> failures_;
};

}  // namespace silt::server
