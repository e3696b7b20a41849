// PutBucketVersioning, GetBucketVersioning.
#include "server/blocking.h"
#include "server/handlers/handlers.h"

namespace silt::server::handlers {

awaitable<Result> put_bucket_versioning(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(64 * 1024);
  if (!body) co_return body.error();
  pugi::xml_document doc;
  auto malformed =
      s3::Error(s3::Code::MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema.");
  if (!doc.load_buffer(body->data(), body->size())) co_return malformed;
  auto root = doc.child("VersioningConfiguration");
  if (!root) co_return malformed;
  std::string_view status = root.child_value("Status");
  if (std::string_view(root.child_value("MfaDelete")) == "Enabled")
    co_return s3::Error(s3::Code::NotImplemented, "MFA Delete is not supported.");
  Versioning state;
  if (status == "Enabled") {
    state = Versioning::Enabled;
  } else if (status == "Suspended") {
    state = Versioning::Suspended;
  } else {
    co_return malformed;
  }
  auto st =
      co_await run_blocking(ctx.svc.blocking, [&] { return ctx.svc.objects.set_versioning(ctx.req.bucket, state); });
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
