// Who may do what: the one decision every S3 request passes after it is authenticated
// and routed (server/s3/access_check.cpp gathers the facts; this decides on them alone).
//
// Inputs: the caller (admin, a named user, or anonymous), whether it owns the bucket,
// the IAM action and resource ARN of the request, the bucket policy, the bucket's canned
// ACL and, for object reads, the object's. Rules, in order:
//   1. the admin may do everything;
//   2. an explicit Deny in the bucket policy refuses anyone else, the bucket owner too,
//      except that the owner can always Get/Put/DeleteBucketPolicy (no lock-out);
//   3. the owner may do everything else;
//   4. the bucket's policy and ACL are the owner's alone (Get/Put/DeleteBucketPolicy,
//      PutBucketAcl, and the settings that narrow them: Put/DeletePublicAccessBlock,
//      Put/DeleteBucketOwnershipControls): no policy grant reaches them, even to "*", so a grantee can never
//      rewrite the rules that admitted it. A policy call a policy Allow would admit is
//      405 MethodNotAllowed, as AWS answers an identity outside the owner's account;
//      anything else AccessDenied;
//      A bucket ACL grant of WRITE_ACP (or FULL_CONTROL) is the one exception: the owner
//      gave it, so PutBucketAcl is the grantee's too, as on AWS;
//   5. a policy Allow admits, except that under RestrictPublicBuckets a public statement
//      (Principal "*" without a narrowing condition, auth::is_public()) admits no one;
//   6. an ACL grant admits what acl_need() maps it to (auth/acl.h): the bucket's grants
//      for bucket actions and object writes, the object's for object reads and its ACL;
//      AllUsers is anyone, AuthenticatedUsers any signed user, a canonical id that user.
//      Under Object Ownership BucketOwnerEnforced no ACL grants anything; under
//      IgnorePublicAcls the AllUsers and AuthenticatedUsers grants grant nothing;
//   7. else AccessDenied (implicit deny).
// A write that sets an ACL granting more than private (x-amz-acl, x-amz-grant-*) is
// decided twice: as its own action and as s3:PutObjectAcl (acl_needs_permission();
// server/s3/access_check.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/acl.h"
#include "auth/policy.h"
#include "common/error.h"

namespace silt::auth {

struct Principal {
  std::string_view user;  // the user's name (its access key); empty when anonymous
  bool admin = false;
  bool anonymous = false;    // an unsigned request
  std::string canonical_id;  // what ACL grants name the user by; empty when anonymous
};

// What the request does, as far as access is concerned.
enum class Action {
  ListBuckets,   // answered for signed users, filtered by visible_in_listing()
  CreateBucket,  // a taken name is BucketAlreadyExists, not AccessDenied
  Other,         // every other bucket and object operation
};

// A bucket's owner as the index records it: nullopt when the bucket does not exist,
// "" for buckets of the admin (records older than users carry no owner).
using Owner = std::optional<std::string_view>;

// The ownership part alone (ListBuckets, CreateBucket, and the owner/admin shortcut).
// admin_user resolves the empty owner. Ok, AccessDenied (403) or BucketAlreadyExists (409).
// A missing bucket is allowed through, so the operation answers NoSuchBucket to anyone,
// as AWS does.
s3::Status decide(const Principal& who, Action action, Owner owner, std::string_view admin_user);

// One request on an existing bucket, for Action::Other.
struct AccessRequest {
  Principal who;
  bool owner = false;         // who owns the bucket
  std::string_view action;    // IAM action: "s3:GetObject"
  std::string_view resource;  // "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"
  const Policy* policy = nullptr;
  const PolicyFacts* facts = nullptr;
  const Grants* bucket_acl = nullptr;  // null: private
  const Grants* object_acl = nullptr;  // object actions: the object's ACL once looked up
  bool acls_disabled = false;          // Object Ownership BucketOwnerEnforced: ACLs grant nothing
  bool ignore_public_acls = false;     // IgnorePublicAcls: group grants grant nothing
  bool restrict_public = false;        // RestrictPublicBuckets: public policy statements grant nothing
};

struct Decision {
  s3::Status status;
  // Denied, but the object's ACL (not yet given) could still grant this: look it up and
  // decide again. Never set for the owner or the admin.
  bool needs_object_acl = false;
};

Decision decide(const AccessRequest& r);

// Whether a write that sets this canned ACL (x-amz-acl on PutObject, CopyObject,
// CreateMultipartUpload; POST Object's acl field) also needs s3:PutObjectAcl, as AWS asks
// of a grantee of s3:PutObject: any value that grants more than private, and any value
// that is no canned ACL (the operation refuses those anyway). "" (absent) does not.
// A write with x-amz-grant-* headers always does (access_check.cpp).
bool acl_needs_permission(std::string_view acl_value);

// Whether `expected` (x-amz-expected-bucket-owner, x-amz-source-expected-bucket-owner)
// names the owner of a bucket with this recorded owner, as silt reports owners: the
// user's name, admin_user for buckets recorded without one.
bool owner_is(std::string_view expected, std::string_view recorded_owner, std::string_view admin_user);

// Whether ListBuckets shows a bucket with this owner to who.
bool visible_in_listing(const Principal& who, std::string_view owner, std::string_view admin_user);

// Whether who owns a bucket with this recorded owner.
bool owns(const Principal& who, std::string_view owner, std::string_view admin_user);

// The owner to record for a bucket who creates: "" for the admin (so its buckets stay
// its own if the root user is renamed), else the user's name.
std::string owner_for_new_bucket(const Principal& who);

}  // namespace silt::auth
