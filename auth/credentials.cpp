#include "auth/credentials.h"

#include <utility>

namespace silt::auth {

// A later add() for the same access key replaces the earlier one, so reloading
// configuration cannot leave two secrets alive for one key.
void CredentialStore::add(Credential c) {
  for (Credential& existing : creds_) {
    if (existing.access_key == c.access_key) {
      existing = std::move(c);
      return;
    }
  }
  creds_.push_back(std::move(c));
}

const Credential* CredentialStore::find(std::string_view access_key) const {
  for (const Credential& c : creds_) {
    if (c.access_key == access_key) return &c;
  }
  return nullptr;
}

}  // namespace silt::auth
