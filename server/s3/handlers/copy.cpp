// CopyObject: server-side, the bytes never leave silt.
#include "crypto/object_cipher.h"
#include "server/http/blocking.h"
#include "server/s3/handlers/acl_headers.h"
#include "server/s3/handlers/copy_source.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/object_lock.h"
#include "server/s3/handlers/tags.h"
#include "server/s3/handlers/upload_body.h"
#include "server/s3/sse.h"
#include "util/time.h"

namespace silt::server::handlers {

namespace {

// src: as stored; its plaintext is decrypted with src_key and encrypted as meta.sse says.
s3::Result<ObjectInfo> copy_data(ObjectLayer& objects, const ObjectInfo& src, const std::string& src_key,
                                 const S3Request& req, const ObjectMeta& meta, const std::string& data_key,
                                 const WriteConditions& cond) {
  auto writer = objects.create_object(req.bucket, req.key, cond, meta.storage_class);
  if (!writer) return writer.error();
  auto w = encrypt_writes(std::move(*writer), meta.sse, data_key, crypto::kSinglePart);
  const uint64_t size = crypto::plain_view(src).size;
  if (auto st = copy_range(objects, src, src_key, 0, size, *w); !st) return st.error();
  return w->commit(meta);
}

bool one_of(std::string_view v, std::string_view a, std::string_view b) {
  return v.empty() || v == a || v == b;
}
}  // namespace

awaitable<Result> copy_object(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto source = parse_copy_source(req.header_value("x-amz-copy-source"));
  if (!source) co_return source.error();
  auto directive = req.header_value("x-amz-metadata-directive");
  auto tag_directive = req.header_value("x-amz-tagging-directive");
  if (!one_of(directive, "COPY", "REPLACE") || !one_of(tag_directive, "COPY", "REPLACE"))
    co_return s3::Error(s3::Code::InvalidArgument, "Unknown metadata or tagging directive.");
  const bool replace = directive == "REPLACE";
  auto cond = write_conditions(req);
  if (!cond) co_return cond.error();

  auto src = co_await run_blocking(
      ctx.svc.blocking, [&] { return ctx.svc.objects.stat_object(source->bucket, source->key, source->version_id); });
  if (!src) co_return src.error();
  auto src_key = data_key_for(src->meta.sse, req, *ctx.svc.keys, kCopySourceSseCHeaders);
  if (!src_key) co_return src_key.error();
  if (auto st = check_conditions(req, *src, "x-amz-copy-source-"); !st) co_return st.error();
  if (crypto::plain_view(*src).size > kMaxCopySourceSize)
    co_return s3::Error(
        s3::Code::InvalidRequest,
        "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120");

  ObjectMeta meta = src->meta;
  if (replace) {
    auto m = meta_from_request(req);
    if (!m) co_return m.error();
    m->checksums = src->meta.checksums;  // the bytes are the same, so are their checksums
    m->tags = src->meta.tags;
    meta = std::move(*m);
  }
  // As on S3, the copy is STANDARD unless the request names a class.
  const auto sc = req.header_value("x-amz-storage-class");
  meta.storage_class = sc.empty() ? "STANDARD" : std::string(sc);
  if (tag_directive == "REPLACE") {
    auto tags = tags_from_header(req.header_value("x-amz-tagging"));
    if (!tags) co_return tags.error();
    meta.tags = std::move(*tags);
  }
  // The copy's ACL is the request's x-amz-acl (private without one), never the source's, as on S3.
  auto acl = acl_from_request(req);
  if (!acl) co_return acl.error();
  meta.acl = std::move(*acl);

  // The copy is encrypted as the request (or the destination bucket's default) says, never
  // as the source was, as on AWS.
  s3::Result<SseChoice> sse = SseChoice{};
  auto bucket = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<BucketInfo> {
    // The copy's lock is the request's or the destination's default, never the source's (AWS).
    auto lock = lock_for_new_version(ctx.svc.objects, req);
    if (!lock) return lock.error();
    meta.lock = *lock;
    sse = choose_sse(req, *ctx.svc.keys, ctx.svc.objects, meta.storage_class);
    if (!sse) return sse.error();
    return ctx.svc.objects.head_bucket(req.bucket);
  });
  if (!bucket) co_return bucket.error();
  meta.sse = sse->sse;
  meta.writer = ctx.identity.user;
  const bool self = source->bucket == req.bucket && source->key == req.key &&
                    (source->version_id.empty() || source->version_id == src->version_id) && src->is_latest;
  s3::Result<ObjectInfo> info = s3::Error();
  const bool same_encryption = src->meta.sse.empty() && meta.sse.empty();
  if (self && !replace && tag_directive != "REPLACE" && !req.has_header("x-amz-storage-class") &&
      !req.has_header("x-amz-server-side-encryption") && !req.has_header(std::string(kSseCHeaders) + "key")) {
    co_return s3::Error(s3::Code::InvalidRequest,
                        "This copy request is illegal because it is trying to copy an object to itself without "
                        "changing the object's metadata, storage class, website redirect location or encryption "
                        "attributes.");
  }
  if (self && same_encryption && bucket->versioning == Versioning::Unversioned && !cond->if_none_match_any &&
      cond->if_match.empty() && meta.storage_class == src->meta.storage_class) {
    // Same bytes, new metadata: rewrite the record, not the data (rclone touches mtimes this way).
    // A new storage class moves the data: that is a real copy.
    info = co_await run_blocking(ctx.svc.blocking,
                                 [&] { return ctx.svc.objects.update_metadata(req.bucket, req.key, meta); });
  } else {
    info = co_await run_blocking(ctx.svc.blocking, [&] {
      return copy_data(ctx.svc.objects, *src, src_key->key, req, meta, sse->data_key, *cond);
    });
  }
  if (!info) co_return info.error();

  pugi::xml_document doc;
  auto root = new_s3_document(doc, "CopyObjectResult");
  add_text(root, "LastModified", iso8601_ms(info->mtime_ms));
  add_text(root, "ETag", quoted_etag(info->etag));
  Response r = xml_response(to_string(doc));
  add_version_header(r, *info);
  if (src->version_id != "null") r.add("x-amz-copy-source-version-id", src->version_id);
  add_sse_headers(r, meta.sse, sse->customer_key_md5, ctx.svc.config.region);
  add_sse_context_header(r, meta.sse);
  co_return r;
}

}  // namespace silt::server::handlers
