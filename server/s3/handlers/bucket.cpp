// CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
#include "auth/access.h"
#include "auth/public_access.h"
#include "common/object_model.h"
#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/bucket_access.h"
#include "server/s3/bucket_settings.h"
#include "server/s3/handlers/acl_headers.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/object_lock.h"
#include "util/strings.h"
#include "util/xml.h"

namespace silt::server::handlers {

namespace {
// The region a bucket reports: its LocationConstraint, else the server's --region.
s3::Result<std::string> bucket_region(RequestContext& ctx) {
  auto info = ctx.svc.objects.head_bucket(ctx.req.bucket);
  if (!info) return info.error();
  auto location = ctx.svc.objects.get_bucket_config(ctx.req.bucket, kLocationConfig);
  if (!location) return location.error();
  return *location && !(*location)->empty() ? **location : ctx.svc.config.region;
}

// AWS's legacy answer to re-creating a bucket one owns: 200 in us-east-1 (clients
// and scripts rely on it), BucketAlreadyOwnedByYou in every other region. The 200
// also resets the bucket's ACL to the one the request names (private when none),
// as AWS documents for that case.
s3::Status recreate_owned_bucket(RequestContext& ctx, std::string_view requested_location, std::string_view acl) {
  auto region = bucket_region(ctx);
  if (!region) return region.error();
  if (*region != "us-east-1" || (!requested_location.empty() && requested_location != "us-east-1"))
    return s3::Error(s3::Code::BucketAlreadyOwnedByYou,
                     "Your previous request to create the named bucket succeeded and you already own it.");
  auto st = acl.empty() ? ctx.svc.objects.delete_bucket_config(ctx.req.bucket, kAclConfig)
                        : ctx.svc.objects.put_bucket_config(ctx.req.bucket, kAclConfig, acl);
  ctx.svc.access->invalidate(ctx.req.bucket);
  return st;
}
}  // namespace

awaitable<Result> create_bucket(RequestContext& ctx) {
  const auto& bucket = ctx.req.bucket;
  if (!valid_bucket_name(bucket) || is_reserved_bucket_name(bucket))
    co_return s3::Error(s3::Code::InvalidBucketName, "The specified bucket is not valid.");
  // Any LocationConstraint is accepted (clients send their own region, clients.md X-ADDR-03)
  // and kept, so GetBucketLocation and HeadBucket report what the bucket was created with.
  auto body = co_await ctx.body.read_all(64 * 1024);
  if (!body) co_return body.error();
  std::string location;
  if (!body->empty()) {
    pugi::xml_document doc;
    if (!doc.load_string(body->c_str()) || !doc.child("CreateBucketConfiguration"))
      co_return s3::Error(s3::Code::MalformedXML,
                          "The XML you provided was not well-formed or did not validate against our published schema.");
    location = doc.child("CreateBucketConfiguration").child_value("LocationConstraint");
    if (!location.empty() && !valid_region_name(location))
      co_return s3::Error(s3::Code::InvalidLocationConstraint, "The specified location-constraint is not valid")
          .with("LocationConstraint", location);
  }
  auto acl = acl_from_request(ctx.req);
  if (!acl) co_return acl.error();
  std::optional<auth::ObjectOwnership> ownership;
  if (ctx.req.has_header("x-amz-object-ownership")) {
    ownership = auth::object_ownership(ctx.req.header_value("x-amz-object-ownership"));
    if (!ownership)
      co_return s3::Error(s3::Code::InvalidArgument, "Invalid x-amz-object-ownership header")
          .with("ArgumentName", "x-amz-object-ownership");
    // As PutBucketOwnershipControls: ACLs off, so the bucket cannot start with one that grants.
    if (*ownership == auth::ObjectOwnership::BucketOwnerEnforced && !acl->empty())
      co_return s3::Error(s3::Code::InvalidBucketAclWithObjectOwnership,
                          "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
  }
  const bool object_lock = iequals(ctx.req.header_value("x-amz-bucket-object-lock-enabled"), "true");
  if (object_lock && !ctx.svc.objects.supports_object_lock())
    co_return s3::Error(s3::Code::NotImplemented,
                        "A header you provided implies functionality that is not implemented: this storage backend "
                        "does not implement Object Lock.")
        .with("Header", "x-amz-bucket-object-lock-enabled");
  const std::string owner = auth::owner_for_new_bucket(principal_of(ctx.identity, ctx.svc));
  // Everything the bucket starts with is committed with it: a crash cannot leave an Object
  // Lock bucket unversioned or without its configuration.
  NewBucket init;
  if (!location.empty()) init.configs.emplace_back(std::string(kLocationConfig), location);
  // Object Lock keeps every version: the bucket is versioned from the start (AWS).
  if (object_lock) {
    init.versioning = Versioning::Enabled;
    init.configs.emplace_back(std::string(kObjectLockConfig), object_lock_configuration_xml({}));
  }
  if (!acl->empty()) init.configs.emplace_back(std::string(kAclConfig), *acl);
  if (ownership) init.configs.emplace_back(std::string(kOwnershipConfig), ownership_controls_xml(*ownership));
  auto st = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Status {
    auto made = ctx.svc.objects.make_bucket_with(bucket, owner, init);
    ctx.svc.access->invalidate(bucket);
    if (!made && made.error().code == s3::Code::BucketAlreadyOwnedByYou)
      return recreate_owned_bucket(ctx, location, *acl);
    return made;
  });
  if (!st) co_return st.error();
  Response r;
  r.add("Location", "/" + bucket);
  co_return r;
}

awaitable<Result> head_bucket(RequestContext& ctx) {
  auto region = co_await run_blocking(ctx.svc.blocking, [&] { return bucket_region(ctx); });
  if (!region) co_return region.error();
  Response r;
  r.add("x-amz-bucket-region", *region);
  co_return r;
}

awaitable<Result> delete_bucket(RequestContext& ctx) {
  auto st = co_await run_blocking(ctx.svc.blocking, [&] {
    auto r = ctx.svc.objects.delete_bucket(ctx.req.bucket);
    ctx.svc.access->invalidate(ctx.req.bucket);
    return r;
  });
  if (!st) co_return st.error();
  co_return empty_response(204);
}

awaitable<Result> get_bucket_location(RequestContext& ctx) {
  auto region = co_await run_blocking(ctx.svc.blocking, [&] { return bucket_region(ctx); });
  if (!region) co_return region.error();
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "LocationConstraint");
  // us-east-1 is reported as an empty constraint, as AWS does.
  if (*region != "us-east-1") root.text().set(region->c_str());
  co_return xml_response(to_string(doc));
}

}  // namespace silt::server::handlers
