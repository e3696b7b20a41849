// How S3 documents name silt's users: the canonical id and display name of a user name
// (Owner, Initiator, ACL grantees), and the user an ACL's canonical id names. The names
// live in the user store (auth/user_store.h); a name it does not hold (a removed user's
// bucket, a server without a store) gets auth::derived_canonical_id() and itself as display name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/s3/handler.h"

namespace silt::server {

struct ShownUser {
  std::string canonical_id;
  std::string display_name;
};

// user: a user name as buckets record owners; "" is the admin's.
ShownUser names_of(const Services& svc, std::string_view user);

// The display name of the user with this canonical id; nullopt when no user has it.
std::optional<std::string> display_name_of_id(const Services& svc, std::string_view canonical_id);

}  // namespace silt::server
