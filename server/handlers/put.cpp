// PutObject.
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "server/blocking.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_headers.h"
#include "util/hash.h"

namespace silt::server::handlers {

namespace {
using namespace boost::asio::experimental::awaitable_operators;
constexpr size_t kStripeBuffer = 1 << 20;  // one erasure stripe per blocking call keeps memory bounded

// Fills buf from the body; end is set once the body is read and verified.
awaitable<s3::Status> fill(RequestContext& ctx, std::string& buf, size_t& filled, bool& end) {
  filled = 0;
  while (filled < buf.size()) {
    auto got = co_await ctx.body.read(buf.data() + filled, buf.size() - filled);
    if (!got) co_return got.error();
    if (*got == 0) {
      end = true;
      break;
    }
    filled += *got;
  }
  co_return s3::Status{};
}

awaitable<s3::Status> store(RequestContext& ctx, ObjectWriter& writer, const std::string& buf, size_t n) {
  if (writer.size() + n > ctx.svc.config.max_object_size)
    co_return s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.");
  if (n == 0) co_return s3::Status{};
  co_return co_await run_blocking(ctx.svc.blocking, [&] { return writer.write(buf.data(), n); });
}

// Moves the whole body into writer. While one buffer is erasure-coded and written
// on the blocking pool, the next one is read from the socket: two buffers in all.
awaitable<s3::Status> stream_body(RequestContext& ctx, ObjectWriter& writer) {
  std::string cur(kStripeBuffer, '\0'), next(kStripeBuffer, '\0');
  size_t n_cur = 0;
  bool end = false;
  if (auto st = co_await fill(ctx, cur, n_cur, end); !st) co_return st;
  while (!end) {
    size_t n_next = 0;
    auto [stored, read] = co_await (store(ctx, writer, cur, n_cur) && fill(ctx, next, n_next, end));
    if (!stored) co_return stored;
    if (!read) co_return read;
    std::swap(cur, next);
    n_cur = n_next;
  }
  co_return co_await store(ctx, writer, cur, n_cur);
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
