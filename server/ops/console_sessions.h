// The web console's sign-ins: random tokens held in memory with an expiry, and a
// throttle on failed sign-ins per (access key, source address). Tokens never leave the
// process except in the browser's cookie; the table keys them by SHA-256, so a lookup
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
  // Sign-in attempts, per (access key, source address): past max_failures attempts inside
  // failure_window_ms that did not sign in, the pair is throttled. Its secrets are then
  // checked one every throttle_interval_ms, and an attempt that would wait longer than
  // max_wait_ms for its turn is refused unchecked. Nothing locks a key out everywhere:
  // other addresses are not slowed, and a correct secret signs in once its turn comes.
  int max_failures = 10;
  int64_t failure_window_ms = 10LL * 60 * 1000;
  int64_t throttle_interval_ms = 3000;
  int64_t max_wait_ms = 6000;
  size_t max_tracked = 4096;  // pairs tracked; when full, the one idle longest is forgotten
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

  // One sign-in attempt from source for access_key, counted before its secret is checked
  // so parallel guesses count too.
  struct Attempt {
    bool admitted = true;    // false: refused without checking the secret (TooManyAttempts)
    int64_t wait_ms = 0;     // admitted: wait this long, then check the secret
    bool throttled = false;  // the pair was over its limit: a wrong secret answers TooManyAttempts
  };
  Attempt begin_attempt(std::string_view access_key, std::string_view source, int64_t now_ms);
  // A correct secret: the pair starts over.
  void succeeded(std::string_view access_key, std::string_view source);
  // Whether the pair's attempts are throttled now (tests and logs).
  bool throttled(std::string_view access_key, std::string_view source, int64_t now_ms);
  size_t tracked();  // pairs in the table

  const ConsoleSessionOptions& options() const { return opt_; }

 private:
  struct Entry {
    std::string user;
    int64_t created_ms = 0;
    int64_t expires_ms = 0;
  };
  struct Failures {
    int count = 0;  // attempts in the window that did not sign in (yet)
    int64_t window_start_ms = 0;
    int64_t next_turn_ms = 0;  // throttled: when the next secret may be checked
    int64_t last_ms = 0;       // the latest attempt, to pick what to forget when full
  };
  void drop_expired(int64_t now_ms);
  // The pair's entry, none when its window has passed (mu_ held).
  Failures* find_failures(const std::string& pair, int64_t now_ms);
  void make_room(int64_t now_ms);  // mu_ held

  ConsoleSessionOptions opt_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> sessions_;     // by SHA-256 of the token
  std::map<std::string, Failures, std::less<>> failures_;  // by pair_key(access key, source)
};

}  // namespace silt::server
