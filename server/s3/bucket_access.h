// The bucket policy, canned ACL, Block Public Access configuration and Object Ownership
// of each bucket, parsed once and kept in memory, so a request does not read and parse
// documents every time. Handlers that change any (Put/DeleteBucketPolicy, PutBucketAcl,
// Put/DeletePublicAccessBlock, Put/DeleteBucketOwnershipControls, CreateBucket,
// DeleteBucket) call invalidate(); an entry also carries the bucket's creation time, so a bucket deleted
// and created again elsewhere is never judged by the old one's policy.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/acl.h"
#include "auth/policy.h"
#include "auth/public_access.h"
#include "common/error.h"

namespace silt {
class ObjectLayer;
}

namespace silt::server {

// Bucket config names in the object layer.
inline constexpr std::string_view kPolicyConfig = "policy";
inline constexpr std::string_view kAclConfig = "acl";
// CreateBucket's LocationConstraint, as the client gave it.
inline constexpr std::string_view kLocationConfig = "location";
// PutPublicAccessBlock's and PutBucketOwnershipControls' documents (bucket_settings.h),
// and PutBucketTagging's tag set, each in its canonical XML.
inline constexpr std::string_view kPublicAccessBlockConfig = "public-access-block";
inline constexpr std::string_view kOwnershipConfig = "ownership-controls";
inline constexpr std::string_view kTaggingConfig = "tagging";

struct BucketAccess {
  int64_t created_ms = 0;
  std::shared_ptr<const auth::Policy> policy;      // null: none
  auth::Grants acl;                                // the bucket's grants to others (auth/acl.h); empty: private
  auth::PublicAccessBlock block;                   // all false: none
  std::optional<auth::ObjectOwnership> ownership;  // nullopt: none set
  // Whether ACLs grant nothing here: BucketOwnerEnforced (ACLs disabled).
  bool acls_disabled() const { return ownership == auth::ObjectOwnership::BucketOwnerEnforced; }
};

class BucketAccessCache {
 public:
  // Blocking (reads the index on a miss): call on the blocking pool.
  s3::Result<std::shared_ptr<const BucketAccess>> get(ObjectLayer& objects, const std::string& bucket,
                                                      int64_t created_ms);
  void invalidate(std::string_view bucket);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const BucketAccess>> entries_;
  uint64_t generation_ = 0;  // bumped by invalidate(): a load that raced one is not kept
};

}  // namespace silt::server
