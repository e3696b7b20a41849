// ListBuckets, with AWS's paging: max-buckets (1..10000), continuation-token, prefix.
#include <algorithm>

#include "auth/access.h"
#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/owner.h"
#include "util/hash.h"
#include "util/parse.h"
#include "util/time.h"

namespace silt::server::handlers {

namespace {
constexpr uint64_t kMaxBuckets = 10000;

struct Page {
  size_t limit = 0;  // 0: every bucket, no token (a request without max-buckets)
  std::string prefix, after, token;
};

s3::Result<Page> page_of(const S3Request& req) {
  Page p;
  if (const std::string* m = req.query_value("max-buckets")) {
    auto n = parse_u64(*m);
    if (!n || *n < 1 || *n > kMaxBuckets)
      return s3::Error(s3::Code::InvalidArgument, "Argument max-buckets must be an integer between 1 and 10000.")
          .with("ArgumentName", "max-buckets")
          .with("ArgumentValue", *m);
    p.limit = static_cast<size_t>(*n);
  }
  if (const std::string* pre = req.query_value("prefix")) p.prefix = *pre;
  // The token is opaque to clients: the last name of the page before, so paging keeps no
  // server state. An empty one is none (SDK paginators send '' on page one).
  if (const std::string* t = req.query_value("continuation-token"); t && !t->empty()) {
    p.token = *t;
    if (!base64_decode(p.token, p.after) || p.after.empty())
      return s3::Error(s3::Code::InvalidArgument, "The continuation token provided is incorrect");
  }
  return p;
}
}  // namespace

awaitable<Result> list_buckets(RequestContext& ctx) {
  auto page = page_of(ctx.req);
  if (!page) co_return page.error();
  auto buckets = co_await run_blocking(ctx.svc.blocking, [&] { return ctx.svc.objects.list_buckets(); });
  if (!buckets) co_return buckets.error();
  std::sort(buckets->begin(), buckets->end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "ListAllMyBucketsResult");
  add_owner(root, names_of(ctx.svc, ctx.identity.user));
  auto list = root.append_child("Buckets");
  const auth::Principal who = principal_of(ctx.identity, ctx.svc);
  size_t shown = 0;
  std::string next;
  for (const auto& b : *buckets) {
    if (!auth::visible_in_listing(who, b.owner, ctx.svc.config.admin_user)) continue;
    if (b.name.rfind(page->prefix, 0) != 0 || b.name <= page->after) continue;
    if (page->limit && shown == page->limit) {
      next = base64_encode(list.last_child().child_value("Name"));
      break;
    }
    auto node = list.append_child("Bucket");
    add_text(node, "Name", b.name);
    add_text(node, "CreationDate", iso8601_ms(b.created_ms));
    add_text(node, "BucketRegion", ctx.svc.config.region);
    ++shown;
  }
  if (!next.empty()) add_text(root, "ContinuationToken", next);
  if (ctx.req.query_value("prefix")) add_text(root, "Prefix", page->prefix);
  co_return xml_response(to_string(doc));
}

}  // namespace silt::server::handlers
