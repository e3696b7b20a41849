// SigV4 signing keys derived once per (access key, date, region, service) instead of per
// request: deriving one is four HMAC-SHA256s, most of a small GET's signature check
// (docs/performance.md, "4 KiB GET"). A key is only ever returned for the very secret it
// was derived from, so a changed or removed secret takes effect on the next request (the
// caller looks the secret up in the CredentialStore each time, as before).
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace silt::auth {

class SigningKeys {
 public:
  // Keys kept at most (when full the cache starts over), and the longest region cached:
  // only requests whose signature verified are remembered, and they cannot grow it.
  static constexpr size_t kMaxKeys = 1024;
  static constexpr size_t kMaxRegion = 64;

  // derive_signing_key(secret, date, region, service), from the cache when it holds the key
  // for this secret. Thread-safe.
  std::string key(std::string_view access_key, std::string_view secret, std::string_view date, std::string_view region,
                  std::string_view service);
  // Remembers key (derived from secret) once a request signed with it has verified.
  void remember(std::string_view access_key, std::string_view secret, std::string_view date, std::string_view region,
                std::string_view service, const std::string& key);

  size_t size() const;

 private:
  struct Entry {
    std::string secret;
    std::string key;
  };
  static std::string name(std::string_view access_key, std::string_view date, std::string_view region,
                          std::string_view service);
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> keys_;
};

}  // namespace silt::auth
