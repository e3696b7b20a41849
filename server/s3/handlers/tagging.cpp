// PutObjectTagging, GetObjectTagging, DeleteObjectTagging.
#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/tags.h"

namespace silt::server::handlers {

namespace {
std::string tagging_version_of(const S3Request& req) {
  const std::string* v = req.query_value("versionId");
  return v ? *v : std::string();
}

awaitable<Result> set_tags(RequestContext& ctx, const Tags& tags, int status) {
  const auto& req = ctx.req;
  auto info = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.set_tags(req.bucket, req.key, tagging_version_of(req), tags); });
  if (!info) co_return info.error();
  Response r = empty_response(status);
  add_version_header(r, *info);
  co_return r;
}
}  // namespace

awaitable<Result> put_object_tagging(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(64 * 1024);
  if (!body) co_return body.error();
  auto tags = tags_from_xml(*body);
  // A policy may decide on the tags themselves (s3:RequestObjectTag/<k>): server/s3/access_check.h.
  // A local, not a conditional inside co_await (GCC 12, see session.cpp).
  const Tags none;
  const Tags* requested = &none;
  if (tags) requested = &*tags;
  if (auto st = co_await authorize_request_tags(ctx.svc, ctx.identity, ctx.req, *ctx.endpoint, *requested); !st)
    co_return st.error();
  if (!tags) co_return tags.error();
  co_return co_await set_tags(ctx, *tags, 200);
}

awaitable<Result> delete_object_tagging(RequestContext& ctx) {
  co_return co_await set_tags(ctx, {}, 204);
}

awaitable<Result> get_object_tagging(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto info = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.stat_object(req.bucket, req.key, tagging_version_of(req)); });
  if (!info) co_return info.error();
  Response r = xml_response(tags_to_xml(info->meta.tags));
  add_version_header(r, *info);
  co_return r;
}

}  // namespace silt::server::handlers
