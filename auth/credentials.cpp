#include "auth/credentials.h"

#include <mutex>
#include <utility>

namespace silt::auth {

CredentialStore::CredentialStore(const CredentialStore& other) {
  std::shared_lock lock(other.mu_);
  creds_ = other.creds_;
}

CredentialStore& CredentialStore::operator=(const CredentialStore& other) {
  if (this == &other) return *this;
  std::map<std::string, Credential, std::less<>> copy;
  {
    std::shared_lock lock(other.mu_);
    copy = other.creds_;
  }
  std::unique_lock lock(mu_);
  creds_ = std::move(copy);
  return *this;
}

// A later add() for the same access key replaces the earlier one, so reloading
// configuration cannot leave two secrets alive for one key.
void CredentialStore::add(Credential c) {
  std::unique_lock lock(mu_);
  std::string key = c.access_key;
  creds_.insert_or_assign(std::move(key), std::move(c));
}

bool CredentialStore::insert(Credential c) {
  std::unique_lock lock(mu_);
  std::string key = c.access_key;
  return creds_.try_emplace(std::move(key), std::move(c)).second;
}

bool CredentialStore::remove(std::string_view access_key) {
  std::unique_lock lock(mu_);
  auto it = creds_.find(access_key);
  if (it == creds_.end()) return false;
  creds_.erase(it);
  return true;
}

std::optional<Credential> CredentialStore::find(std::string_view access_key) const {
  std::shared_lock lock(mu_);
  auto it = creds_.find(access_key);
  if (it == creds_.end()) return std::nullopt;
  return it->second;
}

// A scan: user stores hold tens of users, and only ACL writes and GetObjectAcl ask.
std::optional<Credential> CredentialStore::find_by_canonical_id(std::string_view id) const {
  std::shared_lock lock(mu_);
  for (const auto& [key, c] : creds_)
    if (!id.empty() && c.canonical_id == id) return c;
  return std::nullopt;
}

std::vector<Credential> CredentialStore::list() const {
  std::shared_lock lock(mu_);
  std::vector<Credential> out;
  out.reserve(creds_.size());
  for (const auto& [key, c] : creds_) out.push_back(c);
  return out;
}

}  // namespace silt::auth
