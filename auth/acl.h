// Access control lists as S3 defines them: a resource's owner plus up to 100 grants, each
// giving one permission to one grantee (a user by canonical id, or a group by URI). The
// canned ACLs (x-amz-acl) are names for grant lists (AWS's table, canned_grants()).
//
// A resource's ACL is stored as one string (an object record's meta.acl, a bucket's "acl"
// config), so records older than grants read as what they said:
//   ""                    private: the owner alone;
//   a canned ACL's name   that canned ACL, expanded for the resource's owner when read;
//   "grants\n" + lines    an explicit list, one "PERMISSION id|uri VALUE" line per grant.
// The owner's FULL_CONTROL is implicit in the first two; the owner may do everything in
// silt whatever the list says (auth/access.h), so the list matters only for others.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt::auth {

inline constexpr std::string_view kAllUsersUri = "http://acs.amazonaws.com/groups/global/AllUsers";
inline constexpr std::string_view kAuthenticatedUsersUri = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
inline constexpr std::string_view kLogDeliveryUri = "http://acs.amazonaws.com/groups/s3/LogDelivery";
// AWS's limit on grants in one ACL.
inline constexpr size_t kMaxGrants = 100;

enum class Permission { Read, Write, ReadAcp, WriteAcp, FullControl };

struct Grant {
  bool group = false;   // false: a user, by canonical id
  std::string grantee;  // the canonical id, or one of the group URIs above
  Permission permission = Permission::Read;
  bool operator==(const Grant&) const = default;
};

using Grants = std::vector<Grant>;

// "READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"; nullopt for anything else.
std::optional<Permission> permission_from(std::string_view name);
std::string_view permission_name(Permission p);

// Whether uri is one of the three groups S3 defines.
bool is_group_uri(std::string_view uri);

// Whether value is one of S3's eight canned ACL names.
bool is_canned_acl(std::string_view value);

// AWS's canned ACL table for a resource owned by owner_id. Objects in silt belong to their
// bucket's owner, so bucket-owner-read and bucket-owner-full-control are the owner's
// FULL_CONTROL, and aws-exec-read (an AWS service's READ) grants nobody else here.
// Precondition: is_canned_acl(name).
Grants canned_grants(std::string_view name, std::string_view owner_id);

// What to store for x-amz-acl `name` (is_canned_acl): "" when it grants no one but the owner.
std::string stored_canned(std::string_view name);
// What to store for an explicit list; "" for the owner's FULL_CONTROL alone (or nothing).
std::string encode_grants(const Grants& grants, std::string_view owner_id);
// The grant list a stored ACL means for a resource owned by owner_id ("" for decisions,
// which never need the owner's own grant). An unreadable string reads as private: it was
// checked when stored.
Grants decode_acl(std::string_view stored, std::string_view owner_id);

// Whether any grant goes to everyone or to every signed user (what Block Public Access
// calls a public ACL).
bool is_public(const Grants& grants);
// Whether a stored ACL (as above) is public.
bool is_public_acl(std::string_view stored);

// The x-amz-grant-* request headers, each a comma list of `id="..."`, `uri="..."` or
// `emailAddress="..."` (quotes optional). pairs: (header name lowercase, value).
// InvalidArgument for a malformed value or an unknown group, too_many_grants() past kMaxGrants;
// UnresolvableGrantByEmailAddress for an email grantee (silt keeps no emails, as AWS
// regions without email grants answer). Unknown canonical ids are the caller's to check.
s3::Result<Grants> parse_grant_headers(const std::vector<std::pair<std::string_view, std::string_view>>& headers);

// 400 MalformedACLError, AWS's answer to more than kMaxGrants grants.
s3::Error too_many_grants();

// The header names above, in AWS's order.
inline constexpr std::string_view kGrantHeaders[] = {"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                                                     "x-amz-grant-write-acp", "x-amz-grant-full-control"};

// Who asks, as an ACL sees it.
struct Grantee {
  bool anonymous = true;
  std::string_view canonical_id;  // empty when anonymous
};

// Whether grants give `who` the permission `needed` (FULL_CONTROL gives all).
// ignore_public: IgnorePublicAcls, under which AllUsers and AuthenticatedUsers grants count for nothing.
bool grants_permission(const Grants& grants, const Grantee& who, Permission needed, bool ignore_public);

// The ACL permission an IAM action needs, and whether on the object (else on the bucket),
// as AWS maps them: bucket READ lists, bucket WRITE writes and deletes objects, object READ
// reads, READ_ACP/WRITE_ACP read and write the ACL. nullopt: no ACL grants this action.
struct AclNeed {
  bool object = false;
  Permission permission = Permission::Read;
};
std::optional<AclNeed> acl_need(std::string_view action);

}  // namespace silt::auth
