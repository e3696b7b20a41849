// GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl with full grant lists (auth/acl.h).
// A bucket's ACL is its "acl" config; an object's lives in its metadata (ObjectMeta::acl).
// Objects belong to their bucket's owner in silt, so both show that owner.
//
// A Put*Acl sets exactly one of: x-amz-acl, x-amz-grant-* headers, or an AccessControlPolicy
// body. Both header kinds: InvalidRequest; a body with either: UnexpectedContent; none:
// private. The body's Owner must be the resource's owner (AccessDenied, as AWS answers);
// grantees must be silt users (InvalidArgument "Invalid id") or S3's groups; an email
// grantee is UnresolvableGrantByEmailAddress; anything else off the schema MalformedACLError.
#include "auth/acl.h"

#include <pugixml.hpp>

#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/bucket_access.h"
#include "server/s3/handlers/acl_headers.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/owner.h"
#include "server/s3/user_names.h"

namespace silt::server {

namespace handlers {

namespace {

constexpr size_t kMaxAclBody = 64 * 1024;
constexpr std::string_view kXsi = "http://www.w3.org/2001/XMLSchema-instance";

std::string version_of(const S3Request& req) {
  const std::string* v = req.query_value("versionId");
  return v ? *v : std::string();
}

s3::Error malformed() {
  return s3::Error(s3::Code::MalformedACLError,
                   "The XML you provided was not well-formed or did not validate against our published schema");
}

std::string acl_document(const Services& svc, const ShownUser& owner, const auth::Grants& grants) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "AccessControlPolicy");
  add_owner(root, owner);
  auto list = root.append_child("AccessControlList");
  for (const auto& g : grants) {
    auto grant = list.append_child("Grant");
    auto grantee = grant.append_child("Grantee");
    grantee.append_attribute("xmlns:xsi") = std::string(kXsi).c_str();
    grantee.append_attribute("xsi:type") = g.group ? "Group" : "CanonicalUser";
    if (g.group) {
      add_text(grantee, "URI", g.grantee);
    } else {
      add_text(grantee, "ID", g.grantee);
      // A grant outlives its user; AWS then shows the id alone.
      if (auto name = display_name_of_id(svc, g.grantee)) add_text(grantee, "DisplayName", *name);
    }
    add_text(grant, "Permission", auth::permission_name(g.permission));
  }
  return to_string(doc);
}

// One Grantee element: its xsi:type (any namespace prefix) says which child names it;
// without one, the child present does.
s3::Result<auth::Grant> grant_from_xml(pugi::xml_node g) {
  auto grantee = g.child("Grantee");
  auto permission = auth::permission_from(g.child_value("Permission"));
  if (!grantee || !permission) return malformed();
  std::string_view type;
  for (auto a : grantee.attributes()) {
    std::string_view name = a.name();
    if (name == "type" || (name.size() > 5 && name.substr(name.size() - 5) == ":type")) type = a.value();
  }
  if (type.empty())
    type = grantee.child("URI") ? "Group" : grantee.child("EmailAddress") ? "AmazonCustomerByEmail" : "CanonicalUser";
  if (type == "AmazonCustomerByEmail")
    return s3::Error(s3::Code::UnresolvableGrantByEmailAddress,
                     "The e-mail address you provided does not match any account on record.");
  if (type == "Group") {
    std::string uri = grantee.child_value("URI");
    if (!auth::is_group_uri(uri)) return s3::Error(s3::Code::InvalidArgument, "Invalid group uri");
    return auth::Grant{true, uri, *permission};
  }
  if (type != "CanonicalUser") return malformed();
  std::string id = grantee.child_value("ID");
  if (id.empty()) return malformed();
  return auth::Grant{false, id, *permission};
}

// An AccessControlPolicy document for a resource whose owner's canonical id is owner_id.
s3::Result<auth::Grants> grants_from_document(const Services& svc, const std::string& body, std::string_view owner_id) {
  pugi::xml_document doc;
  auto root = doc.load_string(body.c_str()) ? doc.child("AccessControlPolicy") : pugi::xml_node();
  if (!root || !root.child("Owner") || !root.child("AccessControlList")) return malformed();
  if (root.child("Owner").child_value("ID") != owner_id) return s3::Error(s3::Code::AccessDenied, "Access Denied");
  auth::Grants out;
  for (auto g : root.child("AccessControlList").children("Grant")) {
    if (out.size() == auth::kMaxGrants) return auth::too_many_grants();
    auto grant = grant_from_xml(g);
    if (!grant) return grant.error();
    out.push_back(std::move(*grant));
  }
  if (auto st = grantees_known(svc, out); !st) return st.error();
  return out;
}

// The ACL a Put*Acl sets, stored form (auth/acl.h), checked against the bucket's Block
// Public Access and Object Ownership.
awaitable<s3::Result<std::string>> requested_acl(RequestContext& ctx, std::string_view owner_id) {
  auto body = co_await ctx.body.read_all(kMaxAclBody);
  if (!body) co_return body.error();
  const bool headers = ctx.req.has_header("x-amz-acl") || !grant_headers(ctx.req).empty();
  if (!body->empty() && headers)
    co_return s3::Error(s3::Code::UnexpectedContent, "This request does not support content");
  if (headers) {
    // Grant headers were checked for known ids and Block Public Access by authorize().
    co_return acl_from_request(ctx.req);
  }
  if (body->empty()) co_return std::string();
  auto grants = grants_from_document(ctx.svc, *body, owner_id);
  if (!grants) co_return grants.error();
  std::string stored = auth::encode_grants(*grants, owner_id);
  AclWrite write{{}, &*grants, stored.empty()};
  if (auto st = co_await acl_write_allowed(ctx.svc, ctx.req.bucket, write); !st) co_return st.error();
  co_return stored;
}

// The recorded owner of the request's bucket, as S3 names it.
awaitable<s3::Result<ShownUser>> bucket_owner(RequestContext& ctx) {
  co_return co_await run_blocking(ctx.svc.blocking, [&] { return bucket_owner_of(ctx.svc, ctx.req.bucket); });
}

}  // namespace

awaitable<Result> get_bucket_acl(RequestContext& ctx) {
  auto owner = co_await bucket_owner(ctx);
  if (!owner) co_return owner.error();
  auto acl = co_await run_blocking(ctx.svc.blocking,
                                   [&] { return ctx.svc.objects.get_bucket_config(ctx.req.bucket, kAclConfig); });
  if (!acl) co_return acl.error();
  const std::string stored = *acl ? **acl : std::string();
  co_return xml_response(acl_document(ctx.svc, *owner, auth::decode_acl(stored, owner->canonical_id)));
}

awaitable<Result> put_bucket_acl(RequestContext& ctx) {
  auto owner = co_await bucket_owner(ctx);
  if (!owner) co_return owner.error();
  auto acl = co_await requested_acl(ctx, owner->canonical_id);
  if (!acl) co_return acl.error();
  const auto& bucket = ctx.req.bucket;
  auto st = co_await run_blocking(ctx.svc.blocking, [&] {
    auto r = acl->empty() ? ctx.svc.objects.delete_bucket_config(bucket, kAclConfig)
                          : ctx.svc.objects.put_bucket_config(bucket, kAclConfig, *acl);
    ctx.svc.access->invalidate(bucket);
    return r;
  });
  if (!st) co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_object_acl(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto owner = co_await bucket_owner(ctx);
  if (!owner) co_return owner.error();
  auto info = co_await run_blocking(ctx.svc.blocking,
                                    [&] { return ctx.svc.objects.stat_object(req.bucket, req.key, version_of(req)); });
  if (!info) co_return info.error();
  Response r = xml_response(acl_document(ctx.svc, *owner, auth::decode_acl(info->meta.acl, owner->canonical_id)));
  add_version_header(r, *info);
  co_return r;
}

awaitable<Result> put_object_acl(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto owner = co_await bucket_owner(ctx);
  if (!owner) co_return owner.error();
  auto acl = co_await requested_acl(ctx, owner->canonical_id);
  if (!acl) co_return acl.error();
  auto info = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.set_acl(req.bucket, req.key, version_of(req), *acl); });
  if (!info) co_return info.error();
  Response r = empty_response(200);
  add_version_header(r, *info);
  co_return r;
}

}  // namespace handlers
}  // namespace silt::server
