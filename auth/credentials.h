// Users and their access keys, as signature verification looks them up. Safe to use
// from every session thread while auth/user_store.h adds and removes keys.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/signing_keys.h"

namespace silt::auth {

struct Credential {
  std::string access_key;
  std::string secret_key;
  std::string user;
  int64_t created_ms = 0;  // 0: not recorded (the root user comes from the environment)
  // How S3 documents name the user (Owner, ACL grants): 64 lowercase hex characters,
  // fixed for the user's lifetime, and a free-form name shown beside it. (Initialised so
  // positional initialisers of the first fields stay warning-free.)
  std::string canonical_id{};
  std::string display_name{};
};

class CredentialStore {
 public:
  CredentialStore() = default;
  CredentialStore(const CredentialStore& other);
  CredentialStore& operator=(const CredentialStore& other);

  // Replaces the credential of the same access key, if any.
  void add(Credential c);
  // Adds only a new access key; false when it is taken.
  bool insert(Credential c);
  // False when there was no such key. A request signed with it fails from now on.
  bool remove(std::string_view access_key);
  // A copy, so a concurrent remove() cannot pull it out from under the caller.
  std::optional<Credential> find(std::string_view access_key) const;
  // The user an ACL grant names; nullopt when no user has that canonical id.
  std::optional<Credential> find_by_canonical_id(std::string_view id) const;
  // Sorted by access key.
  std::vector<Credential> list() const;
  // The signing keys derived from this store's secrets, kept for the next requests
  // (auth/signing_keys.h; a copy of the store starts with none).
  SigningKeys& signing_keys() const { return signing_keys_; }

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, Credential, std::less<>> creds_;
  mutable SigningKeys signing_keys_;
};

}  // namespace silt::auth
