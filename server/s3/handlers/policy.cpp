// PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus. The
// document is stored as given (bucket config "policy") and decided on by auth/access.h
// through the parsed copy in Services::access, which these handlers invalidate. Under
// BlockPublicPolicy a public policy (auth::is_public) is refused, to the admin too.
#include "auth/policy.h"

#include "server/http/blocking.h"
#include "server/s3/bucket_access.h"
#include "server/s3/bucket_settings.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/user_names.h"

namespace silt::server::handlers {

namespace {

s3::Error no_policy(const std::string& bucket) {
  return s3::Error(s3::Code::NoSuchBucketPolicy, "The bucket policy does not exist").with("BucketName", bucket);
}

// The principals a policy names must be users silt knows (AWS refuses unknown IAM users
// the same way), and so must the canonical ids of CanonicalUser principals;
// "arn:aws:iam::...:root" is the account, i.e. the admin.
s3::Status check_principals(const auth::Policy& policy, const RequestContext& ctx) {
  if (!ctx.credentials) return {};
  for (const auto& st : policy.statements)
    for (const auto& p : st.principals)
      if (p.rfind("arn:", 0) != 0 && !ctx.credentials->find(p))
        return s3::Error(s3::Code::MalformedPolicy, "Invalid principal in policy");
  for (const auto& st : policy.statements)
    for (const auto& id : st.canonical_ids)
      if (!display_name_of_id(ctx.svc, id)) return s3::Error(s3::Code::MalformedPolicy, "Invalid principal in policy");
  return {};
}

// The bucket's Block Public Access configuration (all false when none). Blocking.
s3::Result<auth::PublicAccessBlock> public_access_block(ObjectLayer& objects, const std::string& bucket) {
  auto doc = objects.get_bucket_config(bucket, kPublicAccessBlockConfig);
  if (!doc) return doc.error();
  if (!*doc) return auth::PublicAccessBlock{};
  return parse_public_access_block(**doc);
}

}  // namespace

awaitable<Result> put_bucket_policy(RequestContext& ctx) {
  const auto& bucket = ctx.req.bucket;
  auto body = co_await ctx.body.read_all(4 * auth::kMaxPolicyBytes);
  if (!body) co_return body.error();
  auto policy = auth::parse_policy(*body, bucket);
  if (!policy) co_return policy.error();
  if (auto st = check_principals(*policy, ctx); !st) co_return st.error();
  auto st = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Status {
    if (auth::is_public(*policy)) {
      auto block = public_access_block(ctx.svc.objects, bucket);
      if (!block) return block.error();
      if (block->block_public_policy) return s3::Error(s3::Code::AccessDenied, "Access Denied");
    }
    auto r = ctx.svc.objects.put_bucket_config(bucket, kPolicyConfig, *body);
    ctx.svc.access->invalidate(bucket);
    return r;
  });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

awaitable<Result> get_bucket_policy(RequestContext& ctx) {
  auto doc = co_await run_blocking(ctx.svc.blocking,
                                   [&] { return ctx.svc.objects.get_bucket_config(ctx.req.bucket, kPolicyConfig); });
  if (!doc) co_return doc.error();
  if (!*doc) co_return no_policy(ctx.req.bucket);
  Response r;
  r.content_type = "application/json";
  r.body = std::move(**doc);
  co_return r;
}

awaitable<Result> delete_bucket_policy(RequestContext& ctx) {
  const auto& bucket = ctx.req.bucket;
  auto st = co_await run_blocking(ctx.svc.blocking, [&] {
    auto r = ctx.svc.objects.delete_bucket_config(bucket, kPolicyConfig);
    ctx.svc.access->invalidate(bucket);
    return r;
  });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

// Public when its policy is (auth::is_public) or its ACL grants to everyone or to every
// signed user; a bucket with neither is not public (IsPublic false, not NoSuchBucketPolicy).
awaitable<Result> get_bucket_policy_status(RequestContext& ctx) {
  const auto& bucket = ctx.req.bucket;
  auto is_public = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<bool> {
    auto doc = ctx.svc.objects.get_bucket_config(bucket, kPolicyConfig);
    if (!doc) return doc.error();
    if (*doc)
      if (auto policy = auth::parse_policy(**doc, bucket); policy && auth::is_public(*policy)) return true;
    auto acl = ctx.svc.objects.get_bucket_config(bucket, kAclConfig);
    if (!acl) return acl.error();
    return *acl && auth::is_public_acl(**acl);
  });
  if (!is_public) co_return is_public.error();
  pugi::xml_document xml;
  auto root = new_s3_document(xml, "PolicyStatus");
  add_text(root, "IsPublic", *is_public ? "true" : "false");
  co_return xml_response(to_string(xml));
}

}  // namespace silt::server::handlers
