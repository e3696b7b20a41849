#include "auth/access.h"

namespace silt::auth {

namespace {

bool owns(const Principal& who, std::string_view owner, std::string_view admin_user) {
  std::string_view effective = owner.empty() ? admin_user : owner;
  return !effective.empty() && effective == who.user;
}

}  // namespace

s3::Status decide(const Principal& who, Action action, Owner owner, std::string_view admin_user) {
  if (action == Action::ListBuckets) return {};
  if (!owner) return {};  // NoSuchBucket from the operation (or a new bucket)
  if (action == Action::CreateBucket) {
    // The owner itself gets BucketAlreadyOwnedByYou from the object layer.
    if (owns(who, *owner, admin_user)) return {};
    return s3::Error(s3::Code::BucketAlreadyExists,
                     "The requested bucket name is not available. The bucket namespace is shared by all users of the "
                     "system. Please select a different name and try again.");
  }
  if (who.admin || owns(who, *owner, admin_user)) return {};
  return s3::Error(s3::Code::AccessDenied, "Access Denied");
}

bool visible_in_listing(const Principal& who, std::string_view owner, std::string_view admin_user) {
  return who.admin || owns(who, owner, admin_user);
}

std::string owner_for_new_bucket(const Principal& who) {
  return who.admin ? std::string() : std::string(who.user);
}

}  // namespace silt::auth
