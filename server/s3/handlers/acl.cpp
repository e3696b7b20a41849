// GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl: canned ACLs only (auth/acl.h).
// A bucket's ACL is its "acl" config; an object's lives in its metadata (ObjectMeta::acl).
// The XML form shows the owner's FULL_CONTROL plus the group grant the canned ACL makes;
// a PUT of such a document is mapped back onto a canned ACL, and grants silt cannot
// express (to other users, WRITE, READ_ACP, ...) are NotImplemented.
#include "auth/acl.h"

#include <pugixml.hpp>

#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/bucket_access.h"
#include "server/s3/handlers/acl_headers.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/owner.h"

namespace silt::server {

namespace handlers {

namespace {

constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr std::string_view kAuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

std::string version_of(const S3Request& req) {
  const std::string* v = req.query_value("versionId");
  return v ? *v : std::string();
}

std::string acl_document(std::string_view owner, auth::CannedAcl acl) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "AccessControlPolicy");
  add_owner(root, owner);
  auto list = root.append_child("AccessControlList");
  auto grant = [&](const char* type, const char* field, std::string_view value, const char* permission) {
    auto g = list.append_child("Grant");
    auto grantee = g.append_child("Grantee");
    grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
    grantee.append_attribute("xsi:type") = type;
    add_text(grantee, field, value);
    if (std::string_view(type) == "CanonicalUser") add_text(grantee, "DisplayName", value);
    add_text(g, "Permission", permission);
  };
  grant("CanonicalUser", "ID", owner, "FULL_CONTROL");
  if (acl == auth::CannedAcl::PublicRead) grant("Group", "URI", kAllUsers, "READ");
  if (acl == auth::CannedAcl::AuthenticatedRead) grant("Group", "URI", kAuthenticatedUsers, "READ");
  return to_string(doc);
}

s3::Error not_expressible(std::string what) {
  return s3::Error(s3::Code::NotImplemented,
                   "silt supports canned ACLs only (private, public-read, authenticated-read); this grant cannot be "
                   "expressed: " +
                       what);
}

// An AccessControlPolicy document onto a canned ACL (the widest read grant wins).
s3::Result<auth::CannedAcl> acl_from_document(const std::string& body, std::string_view owner) {
  pugi::xml_document doc;
  auto root = doc.load_string(body.c_str()) ? doc.child("AccessControlPolicy") : pugi::xml_node();
  if (!root)
    return s3::Error(s3::Code::MalformedACLError,
                     "The XML you provided was not well-formed or did not validate against our published schema");
  auth::CannedAcl out = auth::CannedAcl::Private;
  for (auto g : root.child("AccessControlList").children("Grant")) {
    auto grantee = g.child("Grantee");
    std::string permission = g.child_value("Permission");
    std::string uri = grantee.child_value("URI");
    std::string id = grantee.child_value("ID");
    if (!uri.empty()) {
      if (permission != "READ") return not_expressible(permission + " for " + uri);
      if (uri == kAllUsers) {
        out = auth::CannedAcl::PublicRead;
      } else if (uri == kAuthenticatedUsers) {
        if (out != auth::CannedAcl::PublicRead) out = auth::CannedAcl::AuthenticatedRead;
      } else {
        return not_expressible(uri);
      }
    } else if (!id.empty()) {
      // The owner always has full control; restating it is fine.
      if (id != owner) return not_expressible("a grant to " + id);
    } else {
      return s3::Error(s3::Code::MalformedACLError,
                       "The XML you provided was not well-formed or did not validate against our published schema");
    }
  }
  return out;
}

// The ACL a Put*Acl request sets: x-amz-acl, else the body (x-amz-grant-* never get
// here: the router refuses them, server/s3/unsupported_headers.cpp).
awaitable<s3::Result<auth::CannedAcl>> requested_acl(RequestContext& ctx, std::string_view owner) {
  auto body = co_await ctx.body.read_all(64 * 1024);
  if (!body) co_return body.error();
  if (ctx.req.has_header("x-amz-acl")) {
    auto acl = auth::canned_acl(ctx.req.header_value("x-amz-acl"));
    if (!acl) co_return s3::Error(s3::Code::InvalidArgument, "Invalid canned ACL");
    co_return *acl;
  }
  if (body->empty()) co_return auth::CannedAcl::Private;
  co_return acl_from_document(*body, owner);
}

// The ACL a Put*Acl request sets, checked against the bucket's Block Public Access and
// Object Ownership (access_check.h). A document granting the owner alone is what AWS
// calls the equivalent of bucket-owner-full-control.
awaitable<s3::Status> settable(RequestContext& ctx, auth::CannedAcl acl) {
  std::string_view name = acl == auth::CannedAcl::Private ? "bucket-owner-full-control" : auth::acl_name(acl);
  if (ctx.req.has_header("x-amz-acl")) name = ctx.req.header_value("x-amz-acl");
  co_return co_await acl_write_allowed(ctx.svc, ctx.req.bucket, name);
}

awaitable<s3::Result<std::string>> bucket_owner(RequestContext& ctx) {
  auto info = co_await run_blocking(ctx.svc.blocking, [&] { return ctx.svc.objects.head_bucket(ctx.req.bucket); });
  if (!info) co_return info.error();
  std::string owner = info->owner;
  if (owner.empty()) owner = ctx.svc.config.admin_user;
  co_return owner;
}

}  // namespace

awaitable<Result> get_bucket_acl(RequestContext& ctx) {
  auto owner = co_await bucket_owner(ctx);
  if (!owner) co_return owner.error();
  auto acl = co_await run_blocking(ctx.svc.blocking,
                                   [&] { return ctx.svc.objects.get_bucket_config(ctx.req.bucket, kAclConfig); });
  if (!acl) co_return acl.error();
  auto canned = *acl ? auth::canned_acl(**acl).value_or(auth::CannedAcl::Private) : auth::CannedAcl::Private;
  co_return xml_response(acl_document(*owner, canned));
}

awaitable<Result> put_bucket_acl(RequestContext& ctx) {
  auto owner = co_await bucket_owner(ctx);
  if (!owner) co_return owner.error();
  auto acl = co_await requested_acl(ctx, *owner);
  if (!acl) co_return acl.error();
  if (auto st = co_await settable(ctx, *acl); !st) co_return st.error();
  const auto& bucket = ctx.req.bucket;
  auto st = co_await run_blocking(ctx.svc.blocking, [&] {
    auto r = *acl == auth::CannedAcl::Private
                 ? ctx.svc.objects.delete_bucket_config(bucket, kAclConfig)
                 : ctx.svc.objects.put_bucket_config(bucket, kAclConfig, auth::acl_name(*acl));
    ctx.svc.access->invalidate(bucket);
    return r;
  });
  if (!st) co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_object_acl(RequestContext& ctx) {
  const auto& req = ctx.req;
  // Objects carry no owner of their own in silt: the bucket's owner is shown.
  auto owner = co_await bucket_owner(ctx);
  if (!owner) co_return owner.error();
  auto info = co_await run_blocking(ctx.svc.blocking,
                                    [&] { return ctx.svc.objects.stat_object(req.bucket, req.key, version_of(req)); });
  if (!info) co_return info.error();
  Response r = xml_response(acl_document(*owner, auth::canned_acl(info->meta.acl).value_or(auth::CannedAcl::Private)));
  add_version_header(r, *info);
  co_return r;
}

awaitable<Result> put_object_acl(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto owner = co_await bucket_owner(ctx);
  if (!owner) co_return owner.error();
  auto acl = co_await requested_acl(ctx, *owner);
  if (!acl) co_return acl.error();
  if (auto st = co_await settable(ctx, *acl); !st) co_return st.error();
  std::string name = *acl == auth::CannedAcl::Private ? std::string() : std::string(auth::acl_name(*acl));
  auto info = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.set_acl(req.bucket, req.key, version_of(req), name); });
  if (!info) co_return info.error();
  Response r = empty_response(200);
  add_version_header(r, *info);
  co_return r;
}

}  // namespace handlers
}  // namespace silt::server
