// ListObjects (v1), ListObjectsV2 and ListObjectVersions. The response is written
// straight into a string (server/s3/xml_writer.h): a page of 1000 entries as a DOM
// cost more than reading it from the index.
#include <array>
#include <charconv>
#include <optional>

#include "server/http/blocking.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/handlers/owner.h"
#include "server/s3/user_names.h"
#include "server/s3/xml_writer.h"
#include "util/hash.h"
#include "util/time.h"
#include "util/uri.h"

namespace silt::server::handlers {

namespace {
constexpr int kMaxKeys = 1000;

struct ListRequest {
  ListParams params;
  bool url_encode = false;
};

s3::Result<ListRequest> common_params(const S3Request& req) {
  ListRequest lr;
  if (auto* p = req.query_value("prefix")) lr.params.prefix = *p;
  if (auto* d = req.query_value("delimiter")) lr.params.delimiter = *d;
  if (auto* e = req.query_value("encoding-type")) {
    if (*e != "url") return s3::Error(s3::Code::InvalidArgument, "Invalid Encoding Method specified in Request");
    lr.url_encode = true;
  }
  lr.params.max_keys = kMaxKeys;
  if (auto* m = req.query_value("max-keys")) {
    int v = 0;
    auto [p, ec] = std::from_chars(m->data(), m->data() + m->size(), v);
    if (ec == std::errc::result_out_of_range) {
      v = kMaxKeys;  // a huge number is just "as many as you can"
    } else if (ec != std::errc() || p != m->data() + m->size() || v < 0) {
      return s3::Error(s3::Code::InvalidArgument, "Provided max-keys not an integer or within integer range");
    }
    lr.params.max_keys = std::min(v, kMaxKeys);  // clamped silently: S3A asks for 5000
  }
  return lr;
}

// encoding-type=url: percent-encode names so any byte survives XML (clients.md X-LST-05).
std::string enc(const ListRequest& lr, std::string_view s) {
  return lr.url_encode ? uri_encode(s, true) : std::string(s);
}

void write_owner(XmlWriter& x, const ShownUser& user) {
  x.open("Owner");
  x.element("ID", user.canonical_id);
  x.element("DisplayName", user.display_name);
  x.close("Owner");
}

// owner: the objects' owner when the listing shows it (bucket_owner_of). Each entry's
// text is written from buffers reused across the page: a page has a thousand entries.
void add_entries(XmlWriter& x, const ListRequest& lr, const ListResult& res, const std::optional<ShownUser>& owner) {
  std::array<char, 32> date;
  char size[24];
  for (const auto& o : res.objects) {
    x.open("Contents");
    if (lr.url_encode)
      x.element("Key", enc(lr, o.key));
    else
      x.element("Key", o.key);
    x.element_formatted("LastModified", iso8601_ms(o.mtime_ms, date));
    x.element_quoted("ETag", o.etag);
    x.element_formatted("Size", std::string_view(size, std::to_chars(size, size + sizeof size, o.size).ptr - size));
    if (owner) write_owner(x, *owner);
    x.element("StorageClass", o.storage_class.empty() ? "STANDARD" : o.storage_class);
    x.close("Contents");
  }
  for (const auto& p : res.prefixes) {
    x.open("CommonPrefixes");
    x.element("Prefix", enc(lr, p));
    x.close("CommonPrefixes");
  }
}

void add_header_fields(XmlWriter& x, const ListRequest& lr, const RequestContext& ctx) {
  x.element("Name", ctx.req.bucket);
  x.element("Prefix", enc(lr, lr.params.prefix));
  if (!lr.params.delimiter.empty()) x.element("Delimiter", enc(lr, lr.params.delimiter));
  x.element("MaxKeys", std::to_string(lr.params.max_keys));
  if (lr.url_encode) x.element("EncodingType", "url");
}

// About what one listed entry takes in the response besides its key, to size the buffer once.
constexpr size_t kEntryBytes = 256;

// The bytes a page's entries take in the response, about: its buffer is reserved once
// (a key percent-encoded takes up to 3 bytes a byte).
size_t page_bytes(const ListRequest& lr, const ListResult& res) {
  const size_t per_byte = lr.url_encode ? 3 : 1;
  size_t n = (res.objects.size() + res.prefixes.size()) * kEntryBytes;
  for (const auto& o : res.objects) n += o.key.size() * per_byte + o.etag.size();
  for (const auto& p : res.prefixes) n += p.size() * per_byte;
  return n;
}

// The page, and the objects' owner when fetch_owner asks for it.
awaitable<s3::Result<ListResult>> run_list(RequestContext& ctx, const ListParams& p, bool fetch_owner,
                                           std::optional<ShownUser>& owner) {
  co_return co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<ListResult> {
    auto res = ctx.svc.objects.list_objects(ctx.req.bucket, p);
    if (!res || !fetch_owner) return res;
    auto o = bucket_owner_of(ctx.svc, ctx.req.bucket);
    if (!o) return o.error();
    owner = std::move(*o);
    return res;
  });
}
}  // namespace

awaitable<Result> list_objects_v1(RequestContext& ctx) {
  auto lr = common_params(ctx.req);
  if (!lr) co_return lr.error();
  std::string marker;
  if (auto* m = ctx.req.query_value("marker")) marker = *m;
  lr->params.after = marker;
  std::optional<ShownUser> owner;
  auto res = co_await run_list(ctx, lr->params, true, owner);
  if (!res) co_return res.error();

  XmlWriter x("ListBucketResult", page_bytes(*lr, *res));
  add_header_fields(x, *lr, ctx);
  x.element("Marker", enc(*lr, marker));
  // NextMarker whenever truncated, not only with a delimiter: clients page on it (X-LST-02).
  if (res->truncated) x.element("NextMarker", enc(*lr, res->last));
  x.element("IsTruncated", res->truncated ? "true" : "false");
  add_entries(x, *lr, *res, owner);
  co_return xml_response(x.finish());
}

awaitable<Result> list_objects_v2(RequestContext& ctx) {
  auto lr = common_params(ctx.req);
  if (!lr) co_return lr.error();
  std::string start_after, token;
  if (auto* s = ctx.req.query_value("start-after")) start_after = *s;
  lr->params.after = start_after;
  // An empty token is no token (AWS): SDK paginators send ContinuationToken='' on page one.
  if (auto* t = ctx.req.query_value("continuation-token"); t && !t->empty()) {
    token = *t;
    std::string last;
    if (!base64_decode(token, last) || last.empty())
      co_return s3::Error(s3::Code::InvalidArgument, "The continuation token provided is incorrect");
    lr->params.after = std::max(last, start_after);
  }
  bool fetch_owner = false;
  if (auto* f = ctx.req.query_value("fetch-owner")) fetch_owner = *f == "true";
  std::optional<ShownUser> owner;
  auto res = co_await run_list(ctx, lr->params, fetch_owner, owner);
  if (!res) co_return res.error();

  XmlWriter x("ListBucketResult", page_bytes(*lr, *res));
  add_header_fields(x, *lr, ctx);
  x.element("KeyCount", std::to_string(res->objects.size() + res->prefixes.size()));
  if (!token.empty()) x.element("ContinuationToken", token);
  // The token is opaque to clients; it is the last name returned, so paging needs no server state.
  if (res->truncated) x.element("NextContinuationToken", base64_encode(res->last));
  if (!start_after.empty()) x.element("StartAfter", enc(*lr, start_after));
  x.element("IsTruncated", res->truncated ? "true" : "false");
  add_entries(x, *lr, *res, owner);
  co_return xml_response(x.finish());
}

awaitable<Result> list_object_versions(RequestContext& ctx) {
  auto lr = common_params(ctx.req);
  if (!lr) co_return lr.error();
  VersionListParams p;
  p.prefix = lr->params.prefix;
  p.delimiter = lr->params.delimiter;
  p.max_keys = lr->params.max_keys;
  p.listing_fields_only = true;
  if (auto* v = ctx.req.query_value("key-marker")) p.key_marker = *v;
  if (auto* v = ctx.req.query_value("version-id-marker")) p.version_id_marker = *v;
  if (!p.version_id_marker.empty() && p.key_marker.empty())
    co_return s3::Error(s3::Code::InvalidArgument, "A version-id marker cannot be specified without a key marker.");
  ShownUser owner;
  auto res = co_await run_blocking(ctx.svc.blocking, [&]() -> s3::Result<VersionListResult> {
    auto list = ctx.svc.objects.list_object_versions(ctx.req.bucket, p);
    if (!list) return list;
    auto o = bucket_owner_of(ctx.svc, ctx.req.bucket);
    if (!o) return o.error();
    owner = std::move(*o);
    return list;
  });
  if (!res) co_return res.error();

  XmlWriter x("ListVersionsResult", (res->versions.size() + res->prefixes.size()) * kEntryBytes);
  add_header_fields(x, *lr, ctx);
  x.element("KeyMarker", enc(*lr, p.key_marker));
  x.element("VersionIdMarker", p.version_id_marker);
  if (res->truncated) {
    x.element("NextKeyMarker", enc(*lr, res->next_key_marker));
    x.element("NextVersionIdMarker", res->next_version_id_marker);
  }
  x.element("IsTruncated", res->truncated ? "true" : "false");
  for (const auto& v : res->versions) {
    const char* kind = v.delete_marker ? "DeleteMarker" : "Version";
    x.open(kind);
    x.element("Key", enc(*lr, v.key));
    x.element("VersionId", v.version_id);
    x.element("IsLatest", v.is_latest ? "true" : "false");
    x.element("LastModified", iso8601_ms(v.mtime_ms));
    if (!v.delete_marker) {
      x.element("ETag", quoted_etag(v.etag));
      x.element("Size", std::to_string(v.size));
      x.element("StorageClass", v.meta.storage_class.empty() ? "STANDARD" : v.meta.storage_class);
    }
    write_owner(x, owner);
    x.close(kind);
  }
  for (const auto& pre : res->prefixes) {
    x.open("CommonPrefixes");
    x.element("Prefix", enc(*lr, pre));
    x.close("CommonPrefixes");
  }
  co_return xml_response(x.finish());
}

}  // namespace silt::server::handlers
