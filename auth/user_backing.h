// Where the users `silt admin user add` created are kept. auth/ decides who is admitted
// (auth/user_store.h); a UserBacking only stores: users.json on one machine
// (auth/user_file.h), the cluster's silt.users object with the RADOS backend
// (cmd/rados_users.h over rados/users.h), where every gateway sees every change.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.h"
#include "common/error.h"

namespace silt::auth {

class UserBacking {
 public:
  virtual ~UserBacking() = default;
  // Every stored user, secrets included, each already validated. An unreadable or
  // malformed store is an error (never an empty list: users that exist must not vanish).
  virtual s3::Result<std::vector<Credential>> load() = 0;
  // Stores c unless its access key or canonical id is stored already (InvalidArgument),
  // atomically against every other writer of the same store.
  virtual s3::Status insert(const Credential& c) = 0;
  // Removes the user; InvalidArgument when there is none.
  virtual s3::Status erase(std::string_view access_key) = 0;
  // Where the users are, for the log ("users.json path", "RADOS pool/ns silt.users").
  virtual std::string where() const = 0;
};

// One stored user as JSON (users.json's entries and the cluster's values alike):
// accessKey, secretKey, created, canonicalId, displayName.
std::string encode_user(const Credential& c);
// Validates it (access key, secret, canonical id; display name defaults to the key);
// `where` prefixes the error. A missing canonical id is left empty.
s3::Result<Credential> decode_user(const std::string& json_text, const std::string& where);

}  // namespace silt::auth
