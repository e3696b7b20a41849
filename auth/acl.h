// Canned ACLs (x-amz-acl) as silt enforces them: three levels of read access. The
// other canned names S3 defines are accepted and mapped onto these (canned_acl()), so a
// client that sends one by default (rclone, s3cmd) is never refused.
#pragma once

#include <optional>
#include <string_view>

namespace silt::auth {

enum class CannedAcl {
  Private,            // the owner only (and whatever the bucket policy grants)
  PublicRead,         // anyone, signed or not, may read
  AuthenticatedRead,  // any signed silt user may read
};

// Maps an x-amz-acl value: private, public-read, authenticated-read as named;
// public-read-write -> PublicRead (anonymous writes are never granted by an ACL);
// bucket-owner-read, bucket-owner-full-control, aws-exec-read, log-delivery-write ->
// Private (the bucket owner and the admin may always read). nullopt: not a canned ACL.
std::optional<CannedAcl> canned_acl(std::string_view value);

// "private", "public-read", "authenticated-read": how it is stored and shown.
std::string_view acl_name(CannedAcl acl);

// Whether the ACL grants READ to this caller (anonymous: unsigned request).
inline bool acl_grants_read(CannedAcl acl, bool anonymous) {
  return acl == CannedAcl::PublicRead || (acl == CannedAcl::AuthenticatedRead && !anonymous);
}

}  // namespace silt::auth
