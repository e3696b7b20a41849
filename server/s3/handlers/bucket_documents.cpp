// Put/Get/DeletePublicAccessBlock, Put/Get/DeleteBucketOwnershipControls and
// Put/Get/DeleteBucketTagging: per-bucket documents stored through the object layer's
// bucket configs (bucket_access.h names them), like CORS, lifecycle and policy, so they
// persist, survive rebuild-index and reach every backend alike. Each is stored in its
// canonical form, so a Get answers what is decided on. The first two change access
// decisions: their handlers invalidate Services::access.
#include "server/http/blocking.h"
#include "server/s3/bucket_access.h"
#include "server/s3/bucket_settings.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/tags.h"

namespace silt::server::handlers {

namespace {

// Every document here is a few hundred bytes; 50 tags of 128+256 characters fit in 64 KiB.
constexpr size_t kMaxDocumentBytes = 64 * 1024;

awaitable<s3::Status> store(RequestContext& ctx, std::string_view name, std::string value) {
  const auto& bucket = ctx.req.bucket;
  co_return co_await run_blocking(ctx.svc.blocking, [&] {
    auto r = ctx.svc.objects.put_bucket_config(bucket, name, value);
    ctx.svc.access->invalidate(bucket);
    return r;
  });
}

awaitable<Result> remove(RequestContext& ctx, std::string_view name) {
  const auto& bucket = ctx.req.bucket;
  auto st = co_await run_blocking(ctx.svc.blocking, [&] {
    auto r = ctx.svc.objects.delete_bucket_config(bucket, name);
    ctx.svc.access->invalidate(bucket);
    return r;
  });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

// The stored document, or `missing` (with the bucket's name, as AWS reports it) when none.
awaitable<Result> answer(RequestContext& ctx, std::string_view name, s3::Error missing) {
  auto doc =
      co_await run_blocking(ctx.svc.blocking, [&] { return ctx.svc.objects.get_bucket_config(ctx.req.bucket, name); });
  if (!doc) co_return doc.error();
  if (!*doc) co_return missing.with("BucketName", ctx.req.bucket);
  co_return xml_response(std::move(**doc));
}

}  // namespace

awaitable<Result> put_public_access_block(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxDocumentBytes);
  if (!body) co_return body.error();
  auto block = parse_public_access_block(*body);
  if (!block) co_return block.error();
  if (auto st = co_await store(ctx, kPublicAccessBlockConfig, public_access_block_xml(*block)); !st)
    co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_public_access_block(RequestContext& ctx) {
  co_return co_await answer(
      ctx, kPublicAccessBlockConfig,
      s3::Error(s3::Code::NoSuchPublicAccessBlockConfiguration, "The public access block configuration was not found"));
}

awaitable<Result> delete_public_access_block(RequestContext& ctx) {
  co_return co_await remove(ctx, kPublicAccessBlockConfig);
}

awaitable<Result> put_bucket_ownership_controls(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxDocumentBytes);
  if (!body) co_return body.error();
  auto ownership = parse_ownership_controls(*body);
  if (!ownership) co_return ownership.error();
  const auto& bucket = ctx.req.bucket;
  if (*ownership == auth::ObjectOwnership::BucketOwnerEnforced) {
    // AWS refuses to disable ACLs while the bucket's own ACL still grants to others
    // (anything but private is stored non-empty, auth/acl.h).
    auto acl =
        co_await run_blocking(ctx.svc.blocking, [&] { return ctx.svc.objects.get_bucket_config(bucket, kAclConfig); });
    if (!acl) co_return acl.error();
    if (*acl && !(*acl)->empty())
      co_return s3::Error(s3::Code::InvalidBucketAclWithObjectOwnership,
                          "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
  }
  if (auto st = co_await store(ctx, kOwnershipConfig, ownership_controls_xml(*ownership)); !st) co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_bucket_ownership_controls(RequestContext& ctx) {
  co_return co_await answer(
      ctx, kOwnershipConfig,
      s3::Error(s3::Code::OwnershipControlsNotFoundError, "The bucket ownership controls were not found"));
}

awaitable<Result> delete_bucket_ownership_controls(RequestContext& ctx) {
  co_return co_await remove(ctx, kOwnershipConfig);
}

awaitable<Result> put_bucket_tagging(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxDocumentBytes);
  if (!body) co_return body.error();
  auto tags = tags_from_xml(*body, TagOwner::Bucket);
  if (!tags) co_return tags.error();
  // An empty tag set leaves the bucket without tags, as DeleteBucketTagging does.
  if (tags->empty()) co_return co_await remove(ctx, kTaggingConfig);
  if (auto st = co_await store(ctx, kTaggingConfig, tags_to_xml(*tags)); !st) co_return st.error();
  co_return empty_response(204);
}

awaitable<Result> get_bucket_tagging(RequestContext& ctx) {
  co_return co_await answer(ctx, kTaggingConfig, s3::Error(s3::Code::NoSuchTagSet, "The TagSet does not exist"));
}

awaitable<Result> delete_bucket_tagging(RequestContext& ctx) {
  co_return co_await remove(ctx, kTaggingConfig);
}

}  // namespace silt::server::handlers
