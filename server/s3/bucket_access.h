// The bucket policy and canned ACL of each bucket, parsed once and kept in memory, so a
// request does not read and parse JSON every time. Handlers that change either
// (PutBucketPolicy, DeleteBucketPolicy, PutBucketAcl, CreateBucket, DeleteBucket) call
// invalidate(); an entry also carries the bucket's creation time, so a bucket deleted
// and created again elsewhere is never judged by the old one's policy.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/acl.h"
#include "auth/policy.h"
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

struct BucketAccess {
  int64_t created_ms = 0;
  std::shared_ptr<const auth::Policy> policy;  // null: none
  auth::CannedAcl acl = auth::CannedAcl::Private;
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
