// GetObject and HeadObject.
#include <charconv>

#include "crypto/object_cipher.h"
#include "object/cached_read.h"
#include "server/http/blocking.h"
#include "server/s3/access_check.h"
#include "server/s3/handlers/expiration.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/range.h"
#include "server/s3/sse.h"
#include "util/http_field.h"
#include "util/time.h"

namespace silt::server::handlers {

namespace {
// response-* query parameters override the stored headers on a GET or HEAD (signed requests).
constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
};

// The response-* parameters, checked before anything is read: anonymous requests may not
// use them (S3's rule), and their URL-decoded values become headers, so they must be
// field values (a %0D%0A would otherwise start a header of the sender's choosing).
s3::Status check_overrides(const S3Request& req, const auth::Identity& who) {
  for (const auto& [param, header] : kOverrides) {
    const std::string* v = req.query_value(param);
    if (!v) continue;
    if (who.access_key.empty())
      return s3::Error(s3::Code::InvalidRequest,
                       "Request specific response headers cannot be used for anonymous GET requests.");
    if (!is_field_value(*v))
      return s3::Error(s3::Code::InvalidArgument, "Header value cannot contain control characters.")
          .with("ArgumentName", std::string(param));
  }
  return {};
}

void apply_overrides(Response& r, const S3Request& req) {
  for (const auto& [param, header] : kOverrides) {
    const std::string* v = req.query_value(param);
    if (!v) continue;
    std::erase_if(r.headers, [&](const auto& h) { return h.first == header; });
    r.add(std::string(header), *v);
  }
}

// ?partNumber=N reads one part of a multipart object; part 1 of a single-part
// object is the whole object.
s3::Result<std::optional<ByteRange>> part_range(const S3Request& req, const ObjectInfo& info) {
  using Out = std::optional<ByteRange>;
  const std::string* v = req.query_value("partNumber");
  if (!v) return Out{};
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 1 || n > 10000)
    return s3::Error(s3::Code::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
  auto bad = s3::Error(s3::Code::InvalidPartNumber, "The requested partnumber is not satisfiable");
  if (info.parts.empty()) {
    if (n != 1) return bad;
    return Out{ByteRange{0, info.size}};
  }
  uint64_t offset = 0;
  for (const auto& part : info.parts) {
    if (part.number == n) return Out{ByteRange{offset, part.size}};
    offset += part.size;
  }
  return bad;
}

// Whole-object GETs up to this size are read in the same trip to the blocking
// pool as the lookup and sent as one buffer: a 4 KiB GET made four pool
// hand-offs (stat, open, read, close), each a thread switch costing more than
// the read itself.
constexpr uint64_t kSmallBody = 256 * 1024;

// Whether the request wants exactly the whole object, small enough to send as one buffer.
bool wants_small(const S3Request& req, const ObjectInfo& info) {
  // An encrypted object takes the streaming path, which decrypts.
  return info.meta.sse.empty() && info.size <= kSmallBody && req.header_value("range").empty() &&
         !req.has_query("partNumber");
}

// Reads the whole object into body from the reader opened with its lookup, unless a
// condition decides the answer first (false: left to the path below, which answers it).
bool read_small(RequestContext& ctx, const ObjectInfo& info, s3::Result<std::unique_ptr<ObjectReader>> reader,
                std::string& body, s3::Status& error) {
  if (!check_conditions(ctx.req, info, "")) return false;
  if (!reader) {
    error = reader.error();
    return true;
  }
  body.resize(info.size);
  for (size_t filled = 0; filled < body.size();) {
    auto got = (*reader)->read(body.data() + filled, body.size() - filled);
    if (!got) {
      error = got.error();
      return true;
    }
    if (*got == 0) {
      error = s3::Error(s3::Code::InternalError, "object shorter than its index entry");
      return true;
    }
    filled += *got;
  }
  return true;
}

awaitable<Result> read_object(RequestContext& ctx, bool head) {
  const auto& req = ctx.req;
  if (auto st = check_overrides(req, ctx.identity); !st) co_return st.error();
  const std::string* version = req.query_value("versionId");
  std::string expiration;
  std::string small_body;
  s3::Status small_error;
  bool small = false;
  auto lookup = [&] {
    expiration.clear();
    small = false;
    small_error = s3::Status{};
    // A small whole-object GET opens its reader with the same lookup (one index read).
    std::optional<s3::Result<std::unique_ptr<ObjectReader>>> opened;
    auto i = ctx.svc.objects.stat_and_open(
        req.bucket, req.key, version ? *version : std::string(),
        [&](const ObjectInfo& info) { return !head && wants_small(req, info); }, opened);
    if (i) expiration = expiration_for(ctx.svc, *i);
    if (i && opened) small = read_small(ctx, *i, std::move(*opened), small_body, small_error);
    return i;
  };
  // First on this session thread from memory and the page cache only: most small GETs
  // end there, without the thread hand-off that cost more than the read. If anything
  // would have waited (a disk read, a writer's lock, a repair to queue, another
  // backend's round trip) the attempt is dropped and made again on the blocking pool.
  std::optional<s3::Result<ObjectInfo>> found;
  {
    cached_read::Scope scope;  // no co_await inside: the scope belongs to this thread
    auto i = lookup();
    if (!scope.would_block()) found.emplace(std::move(i));
  }
  if (!found) {
    auto i = co_await run_blocking(ctx.svc.blocking, lookup);
    found.emplace(std::move(i));
  }
  auto info = std::move(*found);
  if (!info) co_return info.error();
  auto key = data_key_for(info->meta.sse, req, *ctx.svc.keys);
  if (!key) co_return key.error();
  // Everything the client sees is the plaintext's; the storage reads the stored bytes.
  ObjectInfo stored;
  if (!key->key.empty()) {
    stored = *info;
    info = crypto::plain_view(std::move(*info));
  }
  if (auto st = check_conditions(req, *info, ""); !st) {
    if (st.error().code != s3::Code::NotModified) co_return st.error();
    // A 304 still names the representation it refers to.
    Response r = empty_response(304);
    r.add("ETag", quoted_etag(info->etag));
    r.add("Last-Modified", http_date(info->mtime_ms));
    co_return r;
  }
  auto by_part = part_range(req, *info);
  if (!by_part) co_return by_part.error();
  auto range = *by_part ? std::move(by_part) : parse_range(req.header_value("range"), info->size);
  if (!range) {
    s3::Error e = range.error();
    e.with("RangeRequested", std::string(req.header_value("range")));
    e.with("ActualObjectSize", std::to_string(info->size));
    co_return e;
  }

  Response r;
  add_object_headers(r, *info);
  if (const ObjectLock& lock = info->meta.lock; !lock.mode.empty() || lock.legal_hold) {
    // Shown only to callers allowed to read them (AWS), which costs a policy check only here.
    bool retention = false, hold = false;
    if (!lock.mode.empty())
      retention = static_cast<bool>(
          co_await may_act_on_object(ctx.svc, ctx.identity, req, "GetObjectRetention", "s3:GetObjectRetention"));
    if (lock.legal_hold)
      hold = static_cast<bool>(
          co_await may_act_on_object(ctx.svc, ctx.identity, req, "GetObjectLegalHold", "s3:GetObjectLegalHold"));
    add_lock_headers(r, lock, retention, hold);
  }
  add_sse_headers(r, info->meta.sse, key->customer_key_md5, ctx.svc.config.region);
  if (!expiration.empty()) r.add("x-amz-expiration", expiration);
  apply_overrides(r, req);
  uint64_t offset = 0, length = info->size;
  if (*range) {
    offset = (*range)->offset;
    length = (*range)->length;
    r.status = 206;
    if (!info->parts.empty() && req.has_query("partNumber"))
      r.add("x-amz-mp-parts-count", std::to_string(info->parts.size()));
    r.add("Content-Range", "bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1) + "/" +
                               std::to_string(info->size));
  } else if (req.header_value("x-amz-checksum-mode") == "ENABLED") {
    // Only a full body matches a full-object checksum (clients.md X-CK-04).
    add_checksum_headers(r, *info);
  }
  r.stream_length = length;
  if (small) {
    if (!small_error) co_return small_error.error();
    r.body = std::move(small_body);
    co_return r;
  }
  if (head) {
    r.length_only = true;
    co_return r;
  }
  auto reader = co_await run_blocking(ctx.svc.blocking, [&] {
    return open_plaintext(ctx.svc.objects, key->key.empty() ? *info : stored, key->key, offset, length);
  });
  if (!reader) co_return reader.error();
  r.stream = std::move(*reader);
  co_return r;
}
}  // namespace

awaitable<Result> get_object(RequestContext& ctx) {
  co_return co_await read_object(ctx, false);
}
awaitable<Result> head_object(RequestContext& ctx) {
  co_return co_await read_object(ctx, true);
}

}  // namespace silt::server::handlers
