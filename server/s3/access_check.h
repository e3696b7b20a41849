// Gathers what auth::decide() needs for one routed request (the caller, the operation as
// an IAM action and resource, the bucket's owner, policy and ACL, the request's condition
// facts) and returns its verdict.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/access.h"
#include "auth/sigv4.h"
#include "common/error.h"
#include "server/s3/handler.h"
#include "server/s3/handlers/tags.h"
#include "server/s3/s3_request.h"

namespace silt::server {

struct Endpoint;

// An Identity with an empty access key is an anonymous (unsigned) request.
auth::Principal principal_of(const auth::Identity& id, const Services& svc);

// endpoint: the request's row of the endpoint table (server/s3/router.h), whose IAM action is
// decided on (the versioned one for a request naming a version). CopyObject and
// UploadPartCopy are checked as s3:GetObject on their source too; PutObject, CopyObject,
// CreateMultipartUpload and PostObject that set a canned ACL granting more than private,
// or any x-amz-grant-* grant, as s3:PutObjectAcl too, and those asking for a lock
// (x-amz-object-lock-*) as s3:PutObjectRetention / s3:PutObjectLegalHold too. acl: the ACL the request sets, when it is
// not the x-amz-acl header (POST Object's acl form field; "" for none). A request naming the owner it expects
// (x-amz-expected-bucket-owner, and x-amz-source-expected-bucket-owner on a copy) is AccessDenied, whoever sends it,
// when another user owns that bucket; so is a request setting a public canned ACL under BlockPublicAcls
// (AccessControlListNotSupported: any ACL but bucket-owner-full-control under BucketOwnerEnforced), and one whose
// x-amz-grant-* name an unknown canonical id is InvalidArgument. Looks bucket
// owners up on the blocking pool, and not at all for the admin unless such a header asks;
// reads an object's ACL only for a non-owner's read that neither the policy nor the bucket
// ACL admits.
boost::asio::awaitable<s3::Status> authorize(Services& svc, const auth::Identity& id, const S3Request& req,
                                             const Endpoint& endpoint,
                                             std::optional<std::string_view> acl = std::nullopt);

// An ACL a request sets: a canned one (x-amz-acl, POST Object's acl field) or a grant list
// (x-amz-grant-* headers, a Put*Acl body).
struct AclWrite {
  std::string_view canned;               // "" when none
  const auth::Grants* grants = nullptr;  // null when none
  bool owner_only = false;               // grants give the owner FULL_CONTROL and no one anything
};

// A request that sets `acl` on bucket or one of its objects, against the bucket's Block
// Public Access and Object Ownership (auth/public_access.h): AccessDenied or
// AccessControlListNotSupported, for everyone. authorize() checks the request's headers
// (and POST Object's acl field) itself; Put*Acl call this for an ACL in their body. A
// missing bucket passes.
boost::asio::awaitable<s3::Status> acl_write_allowed(Services& svc, const std::string& bucket, const AclWrite& acl);

// 400 InvalidArgument when a grant names a canonical id no silt user has (AWS's answer to
// an unknown id); ok otherwise.
s3::Status grantees_known(const Services& svc, const auth::Grants& grants);

// PutObjectTagging on a bucket whose policy reads the tags a request sets
// (s3:RequestObjectTag/<k>, s3:RequestObjectTagKeys): authorize() leaves the decision to
// the handler, which calls this with the tags of the body it has read (none when the body
// is refused, so a caller who may not tag learns nothing of why). Ok at once for other buckets.
boost::asio::awaitable<s3::Status> authorize_request_tags(Services& svc, const auth::Identity& id, const S3Request& req,
                                                          const Endpoint& endpoint, const Tags& tags);

// DeleteObjects: one verdict per (key, version id) as s3:DeleteObject / s3:DeleteObjectVersion,
// as AWS checks each key of a bulk delete. An error of the lookup fails them all.
boost::asio::awaitable<s3::Result<std::vector<s3::Status>>> authorize_keys(
    Services& svc, const auth::Identity& id, const S3Request& req,
    const std::vector<std::pair<std::string, std::string>>& keys);

// x-amz-bypass-governance-retention is honoured only for a caller allowed
// s3:BypassGovernanceRetention on req's bucket/key (the admin is; a bucket owner is, as
// for every action on its bucket). AccessDenied otherwise.
boost::asio::awaitable<s3::Status> may_bypass_governance(Services& svc, const auth::Identity& id, const S3Request& req);

// Whether the caller may `action` (e.g. "s3:GetObjectRetention") on req's bucket/key and
// version, as the endpoint `operation` would be judged: ok or AccessDenied. For answers
// that only some callers see in full (GET/HEAD show a version's lock to those allowed to
// read it, as AWS does).
boost::asio::awaitable<s3::Status> may_act_on_object(Services& svc, const auth::Identity& id, const S3Request& req,
                                                     std::string_view operation, std::string_view action);

// A read of a missing key is 404 NoSuchKey only to a caller who may also s3:ListBucket the
// bucket (called once the read itself was allowed: a public-read bucket ACL lists but does
// not read, so its anonymous caller gets 403 before this); to anyone else AWS answers 403
// AccessDenied, so reading reveals nothing about which keys exist. Returns that
// AccessDenied, or ok when the caller may learn of the absence.
boost::asio::awaitable<s3::Status> may_learn_absence(Services& svc, const auth::Identity& id, const S3Request& req);

}  // namespace silt::server
