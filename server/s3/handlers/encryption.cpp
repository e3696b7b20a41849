// Put/Get/DeleteBucketEncryption: a bucket's default encryption (server/s3/sse.h), stored
// as a bucket config in its canonical form and applied by every write that names no
// encryption of its own.
#include "server/http/blocking.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/sse.h"

namespace silt::server::handlers {

namespace {
constexpr size_t kMaxEncryptionDocumentBytes = 64 * 1024;
}

awaitable<Result> put_bucket_encryption(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxEncryptionDocumentBytes);
  if (!body) co_return body.error();
  auto config = parse_bucket_encryption(*body);
  if (!config) co_return config.error();
  if (auto st = can_apply(*config, *ctx.svc.keys); !st) co_return st.error();
  auto st = co_await run_blocking(ctx.svc.blocking, [&] {
    return ctx.svc.objects.put_bucket_config(ctx.req.bucket, kEncryptionConfig, bucket_encryption_xml(*config));
  });
  if (!st) co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_bucket_encryption(RequestContext& ctx) {
  auto doc = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.get_bucket_config(ctx.req.bucket, kEncryptionConfig); });
  if (!doc) co_return doc.error();
  if (!*doc)
    co_return s3::Error(s3::Code::ServerSideEncryptionConfigurationNotFoundError,
                        "The server side encryption configuration was not found")
        .with("BucketName", ctx.req.bucket);
  co_return xml_response(std::move(**doc));
}

awaitable<Result> delete_bucket_encryption(RequestContext& ctx) {
  auto st = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.delete_bucket_config(ctx.req.bucket, kEncryptionConfig); });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

}  // namespace silt::server::handlers
