// PutBucketCors, GetBucketCors, DeleteBucketCors. Preflight and the headers on
// real requests are applied by the session (server/s3/cors.h), before and after auth.
#include "server/s3/cors.h"

#include "server/http/blocking.h"
#include "server/s3/handlers/handlers.h"

namespace silt::server::handlers {

namespace {
constexpr std::string_view kConfig = "cors";
}

awaitable<Result> put_bucket_cors(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(64 * 1024);
  if (!body) co_return body.error();
  if (auto rules = parse_cors(*body); !rules) co_return rules.error();
  auto st = co_await run_blocking(ctx.svc.blocking,
                                  [&] { return ctx.svc.objects.put_bucket_config(ctx.req.bucket, kConfig, *body); });
  if (!st) co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_bucket_cors(RequestContext& ctx) {
  auto doc = co_await run_blocking(ctx.svc.blocking,
                                   [&] { return ctx.svc.objects.get_bucket_config(ctx.req.bucket, kConfig); });
  if (!doc) co_return doc.error();
  if (!*doc) co_return s3::Error(s3::Code::NoSuchCORSConfiguration, "The CORS configuration does not exist");
  co_return xml_response(**doc);
}

awaitable<Result> delete_bucket_cors(RequestContext& ctx) {
  auto st = co_await run_blocking(ctx.svc.blocking,
                                  [&] { return ctx.svc.objects.delete_bucket_config(ctx.req.bucket, kConfig); });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

}  // namespace silt::server::handlers
