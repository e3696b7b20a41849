#include "auth/public_access.h"

namespace silt::auth {

std::optional<ObjectOwnership> object_ownership(std::string_view name) {
  if (name == "ObjectWriter") return ObjectOwnership::ObjectWriter;
  if (name == "BucketOwnerPreferred") return ObjectOwnership::BucketOwnerPreferred;
  if (name == "BucketOwnerEnforced") return ObjectOwnership::BucketOwnerEnforced;
  return std::nullopt;
}

std::string_view ownership_name(ObjectOwnership o) {
  switch (o) {
    case ObjectOwnership::ObjectWriter: return "ObjectWriter";
    case ObjectOwnership::BucketOwnerPreferred: return "BucketOwnerPreferred";
    case ObjectOwnership::BucketOwnerEnforced: break;
  }
  return "BucketOwnerEnforced";
}

s3::Status acl_write_allowed(std::string_view canned, const PublicAccessBlock& block,
                             std::optional<ObjectOwnership> ownership) {
  if (ownership == ObjectOwnership::BucketOwnerEnforced && !canned.empty() && canned != "bucket-owner-full-control")
    return s3::Error(s3::Code::AccessControlListNotSupported, "The bucket does not allow ACLs");
  if (block.block_public_acls && is_canned_acl(canned) && is_public_acl(stored_canned(canned)))
    return s3::Error(s3::Code::AccessDenied, "Access Denied");
  return {};
}

s3::Status acl_write_allowed(const Grants& grants, bool owner_only, const PublicAccessBlock& block,
                             std::optional<ObjectOwnership> ownership) {
  if (ownership == ObjectOwnership::BucketOwnerEnforced && !owner_only)
    return s3::Error(s3::Code::AccessControlListNotSupported, "The bucket does not allow ACLs");
  if (block.block_public_acls && is_public(grants)) return s3::Error(s3::Code::AccessDenied, "Access Denied");
  return {};
}

}  // namespace silt::auth
