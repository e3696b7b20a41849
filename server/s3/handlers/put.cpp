// PutObject.
#include "crypto/object_cipher.h"
#include "server/http/blocking.h"
#include "server/s3/handlers/expiration.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/object_lock.h"
#include "server/s3/handlers/upload_body.h"
#include "server/s3/sse.h"

namespace silt::server::handlers {

awaitable<Result> put_object(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto meta = meta_from_request(req);
  if (!meta) co_return meta.error();
  auto cond = write_conditions(req);
  if (!cond) co_return cond.error();

  auto expected = ctx.body.expected_length();
  if (!expected && req.header_value("transfer-encoding").find("chunked") == std::string_view::npos &&
      !auth::is_streaming(ctx.identity.payload))
    co_return s3::Error(s3::Code::MissingContentLength, "You must provide the Content-Length HTTP header.");
  if (expected && *expected > ctx.svc.config.max_object_size)
    co_return s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.");

  s3::Result<SseChoice> sse = SseChoice{};
  auto writer = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<std::unique_ptr<ObjectWriter>> {
    auto lock = lock_for_new_version(ctx.svc.objects, req);
    if (!lock) return lock.error();
    if (auto st = check_locked_put_integrity(req, *lock); !st) return st.error();
    meta->lock = *lock;
    sse = choose_sse(req, *ctx.svc.keys, ctx.svc.objects, meta->storage_class);
    if (!sse) return sse.error();
    auto w = ctx.svc.objects.create_object(req.bucket, req.key, *cond, meta->storage_class);
    if (!w) return w.error();
    return encrypt_writes(std::move(*w), sse->sse, sse->data_key, crypto::kSinglePart);
  });
  if (!writer) co_return writer.error();
  meta->sse = sse->sse;
  meta->writer = ctx.identity.user;
  ObjectWriter& w = **writer;

  // A small body is read whole first, then written, checked and committed in the
  // same pool trip; a larger one streams into the writer as it arrives.
  auto small = co_await read_small_body(ctx);
  if (!small) co_return small.error();
  if (!*small) {
    auto st = co_await stream_body(ctx, w);
    if (!st) co_return st.error();
    if (st = check_content_md5(req, w); !st) co_return st.error();
    meta->checksums = ctx.body.verified_checksums();
  }

  std::string expiration;
  // On the commit pool: the trip mostly waits for the group commit (server/http/config.h).
  auto info = co_await run_blocking(ctx.svc.commit_pool(), [&]() -> s3::Result<ObjectInfo> {
    auto i = [&]() -> s3::Result<ObjectInfo> {
      if (const auto& body = *small) {
        if (auto st = w.write(body->data(), body->size()); !st) return st.error();
        if (auto st = check_content_md5(req, w); !st) return st.error();
        meta->checksums = ctx.body.verified_checksums();
      }
      return w.commit(*meta);
    }();
    if (i) expiration = expiration_for(ctx.svc, *i);
    // Destroyed here, on the pool (destroying it may touch the drives), without a trip of its own.
    writer->reset();
    return i;
  });
  if (!info) co_return info.error();

  Response r;
  r.add("ETag", quoted_etag(info->etag));
  add_version_header(r, *info);
  add_checksum_headers(r, *info);
  add_sse_headers(r, meta->sse, sse->customer_key_md5, ctx.svc.config.region);
  add_sse_context_header(r, meta->sse);
  if (!expiration.empty()) r.add("x-amz-expiration", expiration);
  co_return r;
}

}  // namespace silt::server::handlers
