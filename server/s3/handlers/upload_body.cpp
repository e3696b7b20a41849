#include "server/s3/handlers/upload_body.h"

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <string>

#include "server/http/blocking.h"
#include "server/s3/sse.h"
#include "server/s3/upload_pipeline.h"
#include "util/hash.h"

namespace silt::server {

namespace {
using boost::asio::awaitable;
using namespace boost::asio::experimental::awaitable_operators;
constexpr size_t kStripeBuffer = 1 << 20;

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

awaitable<s3::Status> check_size(RequestContext& ctx, ObjectWriter& writer, size_t n) {
  if (writer.size() + n > ctx.svc.config.max_object_size)
    co_return s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.");
  co_return s3::Status{};
}

awaitable<s3::Status> store(RequestContext& ctx, ObjectWriter& writer, const std::string& buf, size_t n) {
  if (auto st = co_await check_size(ctx, writer, n); !st) co_return st;
  if (n == 0) co_return s3::Status{};
  co_return co_await run_blocking(ctx.svc.blocking, [&] { return writer.write(buf.data(), n); });
}

// MD5 on a second pool thread while the first codes and writes the same bytes.
awaitable<s3::Status> store_data(RequestContext& ctx, ObjectWriter& writer, const std::string& buf, size_t n) {
  co_return co_await run_blocking(ctx.svc.blocking, [&] { return writer.write_data(buf.data(), n); });
}
awaitable<s3::Status> hash(RequestContext& ctx, ObjectWriter& writer, const std::string& buf, size_t n) {
  co_await run_blocking(ctx.svc.blocking, [&] { writer.hash_md5(buf.data(), n); });
  co_return s3::Status{};
}
}  // namespace

// Three stages overlap: while one buffer is erasure-coded and written on one pool
// thread and MD5-hashed on another, the next one is read from the socket. A
// single stream then runs at about the speed of MD5 alone.
awaitable<s3::Status> stream_body(RequestContext& ctx, ObjectWriter& writer) {
  // A body of more than one buffer (or of unknown length) goes through the ring, while
  // the global budget has room for one.
  auto len = ctx.body.expected_length();
  if (!len || *len > kStripeBuffer)
    if (auto ring = lease_ring()) co_return co_await pipeline_body(ctx, writer, std::move(*ring));
  // A small body needs small buffers: many small PUTs in flight must not hold 2 MiB each.
  size_t size = kStripeBuffer;
  if (len) size = static_cast<size_t>(std::clamp<uint64_t>(*len, 1, kStripeBuffer));
  std::string cur(size, '\0'), next(size, '\0');
  size_t n_cur = 0;
  bool end = false;
  if (auto st = co_await fill(ctx, cur, n_cur, end); !st) co_return st;
  while (!end) {
    size_t n_next = 0;
    if (auto st = co_await check_size(ctx, writer, n_cur); !st) co_return st;
    auto [stored, hashed, read] =
        co_await (store_data(ctx, writer, cur, n_cur) && hash(ctx, writer, cur, n_cur) && fill(ctx, next, n_next, end));
    if (!stored) co_return stored;
    if (!read) co_return read;
    std::swap(cur, next);
    n_cur = n_next;
  }
  co_return co_await store(ctx, writer, cur, n_cur);
}

awaitable<s3::Result<std::optional<std::string>>> read_small_body(RequestContext& ctx) {
  auto len = ctx.body.expected_length();
  if (!len || *len > kStripeBuffer) co_return std::optional<std::string>();
  std::string body(static_cast<size_t>(*len), '\0');
  // Bytes past the declared length (an aws-chunked body longer than its decoded
  // length) are read and dropped: the reader's end check then refuses the body,
  // as the streaming path does, bounded by the maximum object size as there.
  char scratch[4096];
  uint64_t n = 0;
  for (;;) {
    const bool over = n >= body.size();
    char* at = over ? scratch : body.data() + n;
    const size_t room = over ? sizeof scratch : body.size() - static_cast<size_t>(n);
    auto got = co_await ctx.body.read(at, room);
    if (!got) co_return got.error();
    if (*got == 0) break;
    n += *got;
    if (n > ctx.svc.config.max_object_size)
      co_return s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.");
  }
  co_return std::optional<std::string>(std::move(body));
}

s3::Status copy_range(ObjectLayer& objects, const ObjectInfo& src, const std::string& src_key, uint64_t offset,
                      uint64_t length, ObjectWriter& writer) {
  auto reader = open_plaintext(objects, src, src_key, offset, length);
  if (!reader) return reader.error();
  std::string buf(kStripeBuffer, '\0');
  for (;;) {
    auto got = (*reader)->read(buf.data(), buf.size());
    if (!got) return got.error();
    if (*got == 0) return {};
    if (auto st = writer.write(buf.data(), *got); !st) return st;
  }
}

s3::Status check_content_md5(const S3Request& req, ObjectWriter& writer) {
  // Present but empty is no digest at all: InvalidDigest, as AWS answers it.
  if (!req.has_header("content-md5")) return {};
  auto md5 = req.header_value("content-md5");
  std::string want;
  if (!base64_decode(md5, want) || want.size() != 16)
    return s3::Error(s3::Code::InvalidDigest, "The Content-MD5 you specified was invalid.");
  if (want != writer.md5_raw())
    return s3::Error(s3::Code::BadDigest, "The Content-MD5 you specified did not match what we received.");
  return {};
}

}  // namespace silt::server
