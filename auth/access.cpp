#include "auth/access.h"

namespace silt::auth {

namespace {

s3::Error denied() {
  return s3::Error(s3::Code::AccessDenied, "Access Denied");
}

bool is_policy_action(std::string_view a) {
  return a == "s3:GetBucketPolicy" || a == "s3:PutBucketPolicy" || a == "s3:DeleteBucketPolicy";
}

// What decides who may do what is the owner's to change (DeletePublicAccessBlock and
// DeleteBucketOwnershipControls are their Put actions in AWS's table).
bool is_owner_only(std::string_view a) {
  return is_policy_action(a) || a == "s3:PutBucketAcl" || a == "s3:PutBucketPublicAccessBlock" ||
         a == "s3:PutBucketOwnershipControls";
}

}  // namespace

bool owns(const Principal& who, std::string_view owner, std::string_view admin_user) {
  if (who.anonymous) return false;
  std::string_view effective = owner.empty() ? admin_user : owner;
  return !effective.empty() && effective == who.user;
}

s3::Status decide(const Principal& who, Action action, Owner owner, std::string_view admin_user) {
  if (action == Action::ListBuckets) return who.anonymous ? s3::Status(denied()) : s3::Status{};
  if (action == Action::CreateBucket && who.anonymous) return denied();
  if (!owner) return {};  // NoSuchBucket from the operation (or a new bucket)
  if (action == Action::CreateBucket) {
    // The owner itself gets BucketAlreadyOwnedByYou from the object layer.
    if (owns(who, *owner, admin_user)) return {};
    return s3::Error(s3::Code::BucketAlreadyExists,
                     "The requested bucket name is not available. The bucket namespace is shared by all users of the "
                     "system. Please select a different name and try again.");
  }
  if (who.admin || owns(who, *owner, admin_user)) return {};
  return denied();
}

namespace {

// Step 6 of decide(): what the ACLs give a non-owner.
Decision acl_decision(const AccessRequest& r) {
  auto need = acl_need(r.action);
  if (r.acls_disabled || !need) return {denied()};
  const Grantee who{r.who.anonymous, r.who.canonical_id};
  const Grants* acl = need->object ? r.object_acl : r.bucket_acl;
  if (need->object && !acl) return {denied(), true};
  if (acl && grants_permission(*acl, who, need->permission, r.ignore_public_acls)) return {};
  return {denied()};
}

}  // namespace

Decision decide(const AccessRequest& r) {
  if (r.who.admin) return {};
  PolicyEffect effect = PolicyEffect::None;
  if (r.policy) {
    PolicyQuery q{r.who.anonymous, r.who.user, r.action, r.resource, r.facts, r.restrict_public, r.who.canonical_id};
    effect = evaluate(*r.policy, q);
  }
  if (effect == PolicyEffect::Deny) {
    // The owner can always repair its policy.
    if (r.owner && is_policy_action(r.action)) return {};
    return {denied()};
  }
  if (r.owner) return {};
  if (is_owner_only(r.action)) {
    if (effect == PolicyEffect::Allow && is_policy_action(r.action))
      return {s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.")};
    // The owner's own WRITE_ACP grant (never a policy's) lets another rewrite the ACL.
    if (r.action == "s3:PutBucketAcl") return acl_decision(r);
    return {denied()};
  }
  if (effect == PolicyEffect::Allow) return {};
  return acl_decision(r);
}

bool acl_needs_permission(std::string_view acl_value) {
  if (acl_value.empty()) return false;
  return !is_canned_acl(acl_value) || !stored_canned(acl_value).empty();
}

bool owner_is(std::string_view expected, std::string_view recorded_owner, std::string_view admin_user) {
  std::string_view effective = recorded_owner.empty() ? admin_user : recorded_owner;
  return !effective.empty() && expected == effective;
}

bool visible_in_listing(const Principal& who, std::string_view owner, std::string_view admin_user) {
  return who.admin || owns(who, owner, admin_user);
}

std::string owner_for_new_bucket(const Principal& who) {
  return who.admin ? std::string() : std::string(who.user);
}

}  // namespace silt::auth
