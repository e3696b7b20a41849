#include "server/s3/bucket_access.h"

#include "object/object_layer.h"
#include "server/s3/bucket_settings.h"

namespace silt::server {

s3::Result<std::shared_ptr<const BucketAccess>> BucketAccessCache::get(ObjectLayer& objects, const std::string& bucket,
                                                                       int64_t created_ms) {
  uint64_t gen;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(bucket);
    if (it != entries_.end() && it->second->created_ms == created_ms) return it->second;
    gen = generation_;
  }
  auto entry = std::make_shared<BucketAccess>();
  entry->created_ms = created_ms;
  auto doc = objects.get_bucket_config(bucket, kPolicyConfig);
  if (!doc) return doc.error();
  if (*doc) {
    auto policy = auth::parse_policy(**doc, bucket);
    // It was checked when stored; a document that no longer parses denies nothing and
    // allows nothing rather than failing every request of the owner.
    if (policy) entry->policy = std::make_shared<const auth::Policy>(std::move(*policy));
  }
  auto acl = objects.get_bucket_config(bucket, kAclConfig);
  if (!acl) return acl.error();
  // For decisions only: the owner's own grant is never needed (auth/access.h).
  if (*acl) entry->acl = auth::decode_acl(**acl, "");
  // Both were checked when stored, like the policy: an unreadable one is no setting.
  auto block = objects.get_bucket_config(bucket, kPublicAccessBlockConfig);
  if (!block) return block.error();
  if (*block)
    if (auto b = parse_public_access_block(**block)) entry->block = *b;
  auto ownership = objects.get_bucket_config(bucket, kOwnershipConfig);
  if (!ownership) return ownership.error();
  if (*ownership)
    if (auto o = parse_ownership_controls(**ownership)) entry->ownership = *o;
  std::lock_guard lock(mu_);
  if (gen == generation_) entries_[bucket] = entry;
  return std::shared_ptr<const BucketAccess>(entry);
}

// "": every bucket (a RADOS gateway that may have missed changes, server::serve's bucket_changes).
void BucketAccessCache::invalidate(std::string_view bucket) {
  std::lock_guard lock(mu_);
  if (bucket.empty())
    entries_.clear();
  else
    entries_.erase(std::string(bucket));
  ++generation_;
}

}  // namespace silt::server
