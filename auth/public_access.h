// The two bucket settings that narrow what ACLs and policies may grant, as AWS defines
// them: the bucket's Block Public Access configuration and its Object Ownership.
// server/s3/bucket_settings.h reads and writes their XML; server/s3/bucket_access.h keeps
// them with the bucket's policy and ACL; auth::decide() and the checks below apply them.
//
// "Public", for an ACL, is a grant to everyone or to every signed user (public-read,
// public-read-write, authenticated-read); for a policy, auth::is_public().
#pragma once

#include <optional>
#include <string_view>

#include "auth/acl.h"
#include "common/error.h"

namespace silt::auth {

// PutPublicAccessBlock. All false is the same as no configuration.
struct PublicAccessBlock {
  bool block_public_acls = false;        // a request setting a public ACL is AccessDenied
  bool ignore_public_acls = false;       // public ACLs already set grant nothing
  bool block_public_policy = false;      // PutBucketPolicy of a public policy is AccessDenied
  bool restrict_public_buckets = false;  // a policy's public statements grant nothing
};

// PutBucketOwnershipControls. Objects in silt always belong to their bucket's owner, so
// the first two differ only in name; BucketOwnerEnforced disables ACLs altogether.
enum class ObjectOwnership { ObjectWriter, BucketOwnerPreferred, BucketOwnerEnforced };

// "ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced"; nullopt for anything else.
std::optional<ObjectOwnership> object_ownership(std::string_view name);
std::string_view ownership_name(ObjectOwnership o);

// Whether a request may set the canned ACL `canned` ("" when it sets none) on this bucket
// or one of its objects. BucketOwnerEnforced admits only none and bucket-owner-full-control
// (400 AccessControlListNotSupported, AWS's answer); BlockPublicAcls refuses a public one
// (403 AccessDenied). A value that is no canned ACL is the operation's to refuse.
s3::Status acl_write_allowed(std::string_view canned, const PublicAccessBlock& block,
                             std::optional<ObjectOwnership> ownership);
// The same for an explicit grant list (x-amz-grant-* headers, a Put*Acl body): under
// BucketOwnerEnforced only a list giving the owner FULL_CONTROL and no one anything
// (owner_only, AWS's "equivalent" of bucket-owner-full-control) passes; under
// BlockPublicAcls a list with a grant to AllUsers or AuthenticatedUsers is refused.
s3::Status acl_write_allowed(const Grants& grants, bool owner_only, const PublicAccessBlock& block,
                             std::optional<ObjectOwnership> ownership);

}  // namespace silt::auth
