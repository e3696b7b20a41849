// PutBucketCors, GetBucketCors, DeleteBucketCors, and a browser's preflight (OPTIONS) answered
// from those rules. The Access-Control-* headers on real requests are added by the session.
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

awaitable<std::optional<std::vector<CorsRule>>> bucket_cors_rules(Services& svc, const std::string& bucket) {
  auto doc = co_await run_blocking(svc.blocking, [&] { return svc.objects.get_bucket_config(bucket, kConfig); });
  if (!doc || !*doc) co_return std::nullopt;
  auto rules = parse_cors(**doc);
  if (!rules) co_return std::nullopt;
  co_return std::move(*rules);
}

awaitable<Result> preflight(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto origin = req.header_value("origin");
  auto method = req.header_value("access-control-request-method");
  if (origin.empty() || method.empty())
    co_return s3::Error(s3::Code::InvalidRequest, "Insufficient information. Origin request header needed.");
  // Not a ternary: GCC 12 miscompiles co_await inside a conditional expression.
  std::optional<std::vector<CorsRule>> rules;
  if (!req.bucket.empty()) rules = co_await bucket_cors_rules(ctx.svc, req.bucket);
  auto requested = req.header_value("access-control-request-headers");
  const CorsRule* rule = rules ? match_cors(*rules, origin, method, requested) : nullptr;
  if (!rule)
    co_return s3::Error(s3::Code::AccessForbidden,
                        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
                        "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
                        "are not whitelisted by the resource's CORS spec.");
  Response r;
  for (auto& [k, v] : cors_headers(*rule, origin, true, requested)) r.add(std::move(k), std::move(v));
  co_return r;
}

}  // namespace silt::server::handlers
