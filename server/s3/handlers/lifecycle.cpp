// PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration, DeleteBucketLifecycle.
// The legacy PutBucketLifecycle of old clients is the same PUT ?lifecycle with rule-level
// <Prefix> elements, which parse_configuration accepts. What is stored is the normalized
// document (to_xml), so every reader parses one form and Get answers it as S3 does.
#include "lifecycle/rules.h"
#include "server/http/blocking.h"
#include "server/s3/handlers/handlers.h"

namespace silt::server::handlers {

namespace {
constexpr std::string_view kLifecycleConfig = "lifecycle";
// 1000 rules with long IDs, prefixes and tags fit well within this.
constexpr size_t kMaxBody = 1024 * 1024;
}  // namespace

awaitable<Result> put_bucket_lifecycle(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxBody);  // verifies Content-MD5 when sent
  if (!body) co_return body.error();
  auto config = lifecycle::parse_configuration(
      *body, [&](std::string_view name) { return ctx.svc.objects.has_storage_class(name); });
  if (!config) co_return config.error();
  std::string doc = lifecycle::to_xml(*config);
  auto st = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.put_bucket_config(ctx.req.bucket, kLifecycleConfig, doc); });
  if (!st) co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_bucket_lifecycle(RequestContext& ctx) {
  auto doc = co_await run_blocking(ctx.svc.blocking,
                                   [&] { return ctx.svc.objects.get_bucket_config(ctx.req.bucket, kLifecycleConfig); });
  if (!doc) co_return doc.error();
  if (!*doc)
    co_return s3::Error(s3::Code::NoSuchLifecycleConfiguration, "The lifecycle configuration does not exist")
        .with("BucketName", ctx.req.bucket);
  co_return xml_response(**doc);
}

awaitable<Result> delete_bucket_lifecycle(RequestContext& ctx) {
  auto st = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.delete_bucket_config(ctx.req.bucket, kLifecycleConfig); });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

}  // namespace silt::server::handlers
