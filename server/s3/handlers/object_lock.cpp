// Put/GetObjectLockConfiguration, Put/GetObjectRetention, Put/GetObjectLegalHold, and
// the lock of new versions (object_lock.h). The rules themselves are judged by the
// object layer inside its commits (index/write_conditions.h); these handlers parse,
// check the bucket has Object Lock, and decide whether a bypass is permitted.
#include "server/s3/handlers/object_lock.h"

#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/object_lock.h"
#include "util/strings.h"
#include "util/time.h"

namespace silt::server {

namespace {

constexpr size_t kMaxLockDocumentBytes = 64 * 1024;

s3::Error missing_lock_configuration() {
  return s3::Error(s3::Code::InvalidRequest, "Bucket is missing Object Lock Configuration");
}

// The bucket's Object Lock configuration; nullopt when it has none.
s3::Result<std::optional<ObjectLockConfiguration>> bucket_lock(ObjectLayer& objects, std::string_view bucket) {
  auto doc = objects.get_bucket_config(bucket, kObjectLockConfig);
  if (!doc) return doc.error();
  if (!*doc) return std::optional<ObjectLockConfiguration>();
  auto c = parse_object_lock_configuration(**doc);
  if (!c) return s3::Error(s3::Code::InternalError, "The stored Object Lock configuration is unreadable.");
  return std::optional<ObjectLockConfiguration>(std::move(*c));
}

s3::Status require_lock_bucket(ObjectLayer& objects, std::string_view bucket) {
  auto c = bucket_lock(objects, bucket);
  if (!c) return c.error();
  if (!*c) return missing_lock_configuration();
  return {};
}

std::string lock_version_of(const S3Request& req) {
  const std::string* v = req.query_value("versionId");
  return v ? *v : std::string();
}

}  // namespace

s3::Result<ObjectLock> lock_for_new_version(ObjectLayer& objects, const S3Request& req) {
  const int64_t now = now_ms();
  auto asked = lock_from_headers(req, now);
  if (!asked) return asked.error();
  auto config = bucket_lock(objects, req.bucket);
  if (!config) return config.error();
  if (!*config) {
    if (*asked) return missing_lock_configuration();
    return ObjectLock{};
  }
  if (*asked) {
    // A request naming only a legal hold still gets the bucket's default retention.
    ObjectLock out = **asked;
    if (out.mode.empty() && (*config)->retention) {
      out = default_lock(*(*config)->retention, now);
      out.legal_hold = (*asked)->legal_hold;
      out.legal_hold_set = (*asked)->legal_hold_set;
    }
    return out;
  }
  if ((*config)->retention) return default_lock(*(*config)->retention, now);
  return ObjectLock{};
}

s3::Status check_locked_put_integrity(const S3Request& req, const ObjectLock& lock, std::string_view what) {
  if (lock.mode.empty() && !lock.legal_hold) return {};
  if (req.has_header("content-md5")) return {};
  for (const auto& [name, value] : req.fields()) {
    if (name.size() > 15 && iequals(name.substr(0, 15), "x-amz-checksum-")) return {};
    if (iequals(name, "x-amz-trailer") && to_lower(value).find("x-amz-checksum-") != std::string::npos) return {};
  }
  return s3::Error(s3::Code::InvalidRequest, "Content-MD5 OR x-amz-checksum- HTTP header is required for " +
                                                 std::string(what) + " requests with Object Lock parameters");
}

boost::asio::awaitable<bool> governance_bypass(RequestContext& ctx) {
  if (!asks_bypass_governance(ctx.req)) co_return false;
  auto allowed = co_await may_bypass_governance(ctx.svc, ctx.identity, ctx.req);
  co_return static_cast<bool>(allowed);
}

namespace handlers {

namespace {

// PutObjectRetention and PutObjectLegalHold: one lock change on the addressed version.
awaitable<Result> change_lock(RequestContext& ctx, LockChange change) {
  const auto& req = ctx.req;
  if (change.retention) change.bypass_governance = co_await governance_bypass(ctx);
  auto info = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<ObjectInfo> {
    if (auto st = require_lock_bucket(ctx.svc.objects, req.bucket); !st) return st.error();
    return ctx.svc.objects.set_object_lock(req.bucket, req.key, lock_version_of(req), change);
  });
  if (!info) co_return info.error();
  co_return empty_response(200);
}

// GetObjectRetention and GetObjectLegalHold: the addressed version's lock.
awaitable<s3::Result<ObjectInfo>> locked_version(RequestContext& ctx) {
  const auto& req = ctx.req;
  co_return co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<ObjectInfo> {
    if (auto st = require_lock_bucket(ctx.svc.objects, req.bucket); !st) return st.error();
    return ctx.svc.objects.stat_object(req.bucket, req.key, lock_version_of(req));
  });
}

}  // namespace

awaitable<Result> put_object_lock_configuration(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxLockDocumentBytes);
  if (!body) co_return body.error();
  auto config = parse_object_lock_configuration(*body);
  if (!config) co_return config.error();
  const auto& bucket = ctx.req.bucket;
  auto st = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Status {
    auto info = ctx.svc.objects.head_bucket(bucket);
    if (!info) return info.error();
    if (!ctx.svc.objects.supports_object_lock())
      return s3::Error(s3::Code::NotImplemented,
                       "A header you provided implies functionality that is not implemented: this storage backend "
                       "does not implement Object Lock.");
    // AWS enables Object Lock on an existing bucket only while it is versioned.
    if (info->versioning != Versioning::Enabled)
      return s3::Error(s3::Code::InvalidBucketState,
                       "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
    return ctx.svc.objects.put_bucket_config(bucket, kObjectLockConfig, object_lock_configuration_xml(*config));
  });
  if (!st) co_return st.error();
  co_return empty_response(200);
}

awaitable<Result> get_object_lock_configuration(RequestContext& ctx) {
  auto doc = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.get_bucket_config(ctx.req.bucket, kObjectLockConfig); });
  if (!doc) co_return doc.error();
  if (!*doc)
    co_return s3::Error(s3::Code::ObjectLockConfigurationNotFoundError,
                        "Object Lock configuration does not exist for this bucket")
        .with("BucketName", ctx.req.bucket);
  co_return xml_response(std::move(**doc));
}

awaitable<Result> put_object_retention(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxLockDocumentBytes);
  if (!body) co_return body.error();
  auto retention = parse_retention(*body, now_ms());
  if (!retention) co_return retention.error();
  LockChange change;
  change.retention = *retention;
  co_return co_await change_lock(ctx, change);
}

awaitable<Result> get_object_retention(RequestContext& ctx) {
  auto info = co_await locked_version(ctx);
  if (!info) co_return info.error();
  if (info->meta.lock.mode.empty())
    co_return s3::Error(s3::Code::NoSuchObjectLockConfiguration,
                        "The specified object does not have a ObjectLock configuration");
  co_return xml_response(retention_xml(info->meta.lock));
}

awaitable<Result> put_object_legal_hold(RequestContext& ctx) {
  auto body = co_await ctx.body.read_all(kMaxLockDocumentBytes);
  if (!body) co_return body.error();
  auto on = parse_legal_hold(*body);
  if (!on) co_return on.error();
  LockChange change;
  change.legal_hold = *on;
  co_return co_await change_lock(ctx, change);
}

awaitable<Result> get_object_legal_hold(RequestContext& ctx) {
  auto info = co_await locked_version(ctx);
  if (!info) co_return info.error();
  if (!info->meta.lock.legal_hold_set)
    co_return s3::Error(s3::Code::NoSuchObjectLockConfiguration,
                        "The specified object does not have a ObjectLock configuration");
  co_return xml_response(legal_hold_xml(info->meta.lock.legal_hold));
}

}  // namespace handlers

}  // namespace silt::server
