// Users and their access keys. The core has one root user; policies come later.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace silt::auth {

struct Credential {
  std::string access_key;
  std::string secret_key;
  std::string user;
};

class CredentialStore {
 public:
  void add(Credential c);
  const Credential* find(std::string_view access_key) const;

 private:
  std::vector<Credential> creds_;
};

}  // namespace silt::auth
