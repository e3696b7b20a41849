// PutObject.
#include "server/blocking.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_headers.h"
#include "util/hash.h"

namespace silt::server::handlers {

namespace {
constexpr size_t kStripeBuffer = 1 << 20;  // one erasure stripe per blocking call keeps memory bounded

// Moves the whole body into writer, a buffer at a time, verifying it on the way.
awaitable<s3::Status> stream_body(RequestContext& ctx, ObjectWriter& writer) {
  std::string buf(kStripeBuffer, '\0');
  for (;;) {
    size_t filled = 0;
    bool end = false;
    while (filled < buf.size()) {
      auto got = co_await ctx.body.read(buf.data() + filled, buf.size() - filled);
      if (!got) co_return got.error();
      if (*got == 0) {
        end = true;
        break;
      }
      filled += *got;
    }
    if (writer.size() + filled > ctx.svc.config.max_object_size)
      co_return s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.");
    if (filled) {
      auto st = co_await run_blocking(ctx.svc.blocking, [&] { return writer.write(buf.data(), filled); });
      if (!st) co_return st;
    }
    if (end) co_return s3::Status{};
  }
}
}  // namespace

awaitable<Result> put_object(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto meta = meta_from_request(req);
  if (!meta) co_return meta.error();

  std::string want_md5;
  if (auto md5 = req.header_value("content-md5"); !md5.empty()) {
    if (!base64_decode(md5, want_md5) || want_md5.size() != 16)
      co_return s3::Error(s3::Code::InvalidDigest, "The Content-MD5 you specified was invalid.");
  }
  auto expected = ctx.body.expected_length();
  if (!expected && req.header_value("transfer-encoding").find("chunked") == std::string_view::npos && !auth::is_streaming(ctx.identity.payload))
    co_return s3::Error(s3::Code::MissingContentLength, "You must provide the Content-Length HTTP header.");
  if (expected && *expected > ctx.svc.config.max_object_size)
    co_return s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.");

  auto writer = co_await run_blocking(ctx.svc.blocking,
                                      [&] { return ctx.svc.objects.create_object(req.bucket, req.key); });
  if (!writer) co_return writer.error();
  ObjectWriter& w = **writer;

  auto st = co_await stream_body(ctx, w);
  if (!st) co_return st.error();
  if (!want_md5.empty() && want_md5 != w.md5_raw())
    co_return s3::Error(s3::Code::BadDigest, "The Content-MD5 you specified did not match what we received.");
  meta->checksums = ctx.body.verified_checksums();

  auto info = co_await run_blocking(ctx.svc.blocking, [&] { return w.commit(*meta); });
  if (!info) co_return info.error();
  // The writer is destroyed on a pool thread too: destroying it may touch the drives.
  co_await run_blocking(ctx.svc.blocking, [&] { writer->reset(); });

  Response r;
  r.add("ETag", quoted_etag(info->etag));
  add_checksum_headers(r, *info);
  co_return r;
}

}  // namespace silt::server::handlers
