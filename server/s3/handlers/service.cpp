// ListBuckets.
#include "auth/access.h"
#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/owner.h"
#include "util/time.h"

namespace silt::server::handlers {

awaitable<Result> list_buckets(RequestContext& ctx) {
  auto buckets = co_await run_blocking(ctx.svc.blocking, [&] { return ctx.svc.objects.list_buckets(); });
  if (!buckets) co_return buckets.error();
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "ListAllMyBucketsResult");
  add_owner(root, ctx.identity.user);
  auto list = root.append_child("Buckets");
  const auth::Principal who = principal_of(ctx.identity, ctx.svc);
  for (const auto& b : *buckets) {
    if (!auth::visible_in_listing(who, b.owner, ctx.svc.config.admin_user)) continue;
    auto node = list.append_child("Bucket");
    add_text(node, "Name", b.name);
    add_text(node, "CreationDate", iso8601_ms(b.created_ms));
    add_text(node, "BucketRegion", ctx.svc.config.region);
  }
  co_return xml_response(to_string(doc));
}

}  // namespace silt::server::handlers
