#include "server/s3/user_names.h"

#include "auth/user_store.h"

namespace silt::server {

ShownUser names_of(const Services& svc, std::string_view user) {
  if (user.empty()) user = svc.config.admin_user;
  if (svc.users)
    if (auto c = svc.users->credentials().find(user); c && !c->canonical_id.empty())
      return {c->canonical_id, c->display_name.empty() ? c->user : c->display_name};
  return {auth::derived_canonical_id(user), std::string(user)};
}

std::optional<std::string> display_name_of_id(const Services& svc, std::string_view canonical_id) {
  if (svc.users) {
    auto c = svc.users->credentials().find_by_canonical_id(canonical_id);
    if (!c) return std::nullopt;
    return c->display_name.empty() ? c->user : c->display_name;
  }
  // Without a store (unit tests) only the admin is known.
  if (canonical_id == auth::derived_canonical_id(svc.config.admin_user)) return svc.config.admin_user;
  return std::nullopt;
}

}  // namespace silt::server
