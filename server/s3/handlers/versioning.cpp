// PutBucketVersioning, GetBucketVersioning.
#include "server/http/blocking.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/request_xml.h"
#include "server/s3/object_lock.h"

namespace silt::server::handlers {

awaitable<Result> put_bucket_versioning(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(64 * 1024);
  if (!body) co_return body.error();
  auto state = parse_versioning(*body);
  if (!state) co_return state.error();
  auto st = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Status {
    // Object Lock needs every version kept: its buckets stay Enabled (AWS).
    if (*state == Versioning::Suspended) {
      auto lock = ctx.svc.objects.get_bucket_config(ctx.req.bucket, kObjectLockConfig);
      if (!lock) return lock.error();
      if (*lock)
        return s3::Error(s3::Code::InvalidBucketState,
                         "An Object Lock configuration is present on this bucket, so the versioning state cannot be "
                         "changed.");
    }
    return ctx.svc.objects.set_versioning(ctx.req.bucket, *state);
  });
  if (!st) co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_bucket_versioning(RequestContext& ctx) {
  auto info = co_await run_blocking(ctx.svc.blocking, [&] { return ctx.svc.objects.head_bucket(ctx.req.bucket); });
  if (!info) co_return info.error();
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "VersioningConfiguration");
  // A bucket that was never versioned has no Status element at all.
  if (info->versioning == Versioning::Enabled) add_text(root, "Status", "Enabled");
  if (info->versioning == Versioning::Suspended) add_text(root, "Status", "Suspended");
  co_return xml_response(to_string(doc));
}

}  // namespace silt::server::handlers
