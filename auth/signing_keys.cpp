#include "auth/signing_keys.h"

#include "auth/sigv4.h"
#include "util/hash.h"

namespace silt::auth {

std::string SigningKeys::name(std::string_view access_key, std::string_view date, std::string_view region,
                              std::string_view service) {
  std::string n;
  n.reserve(access_key.size() + date.size() + region.size() + service.size() + 3);
  // '/' cannot occur in any part: the credential scope is split at it.
  n.append(access_key).append("/").append(date).append("/").append(region).append("/").append(service);
  return n;
}

std::string SigningKeys::key(std::string_view access_key, std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  {
    const std::string n = name(access_key, date, region, service);
    std::lock_guard lock(mu_);
    if (auto it = keys_.find(n); it != keys_.end() && constant_time_equal(it->second.secret, secret))
      return it->second.key;
  }
  return derive_signing_key(secret, date, region, service);
}

void SigningKeys::remember(std::string_view access_key, std::string_view secret, std::string_view date,
                           std::string_view region, std::string_view service, const std::string& key) {
  if (region.size() > kMaxRegion) return;
  std::string n = name(access_key, date, region, service);
  std::lock_guard lock(mu_);
  if (auto it = keys_.find(n); it != keys_.end() && constant_time_equal(it->second.secret, secret)) return;
  if (keys_.size() >= kMaxKeys) keys_.clear();
  keys_.insert_or_assign(std::move(n), Entry{std::string(secret), key});
}

size_t SigningKeys::size() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

}  // namespace silt::auth
