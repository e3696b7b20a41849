// CopyObject: server-side, the bytes never leave silt.
#include "server/blocking.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_headers.h"
#include "util/time.h"
#include "util/uri.h"

namespace silt::server::handlers {

namespace {
constexpr uint64_t kMaxCopySize = 5ULL << 30;

struct CopySource {
  std::string bucket, key;
};

// "bucket/key", "/bucket/key", percent-encoded, optionally "?versionId=..." (clients.md X-CPY-01).
s3::Result<CopySource> parse_copy_source(std::string_view h) {
  std::string_view version;
  if (size_t q = h.find('?'); q != std::string_view::npos) {
    std::string_view query = h.substr(q + 1);
    h = h.substr(0, q);
    if (query.rfind("versionId=", 0) == 0) version = query.substr(10);
  }
  if (!version.empty() && version != "null")
    return s3::Error(s3::Code::NotImplemented, "Copying a specific version is not implemented yet.");
  std::string path = uri_decode(h);
  if (!path.empty() && path[0] == '/') path.erase(0, 1);
  size_t slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == path.size())
    return s3::Error(s3::Code::InvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  return CopySource{path.substr(0, slash), path.substr(slash + 1)};
}

// Streams src into a new object on a blocking thread, one stripe at a time.
s3::Result<ObjectInfo> copy_data(ObjectLayer& objects, const ObjectInfo& src, const S3Request& req,
                                 const ObjectMeta& meta) {
  auto reader = objects.open_object(src, 0, src.size);
  if (!reader) return reader.error();
  auto writer = objects.create_object(req.bucket, req.key);
  if (!writer) return writer.error();
  std::string buf(1 << 20, '\0');
  for (;;) {
    auto got = (*reader)->read(buf.data(), buf.size());
    if (!got) return got.error();
    if (*got == 0) break;
    if (auto st = (*writer)->write(buf.data(), *got); !st) return st.error();
  }
  return (*writer)->commit(meta);
}
}  // namespace

awaitable<Result> copy_object(RequestContext& ctx) {
  const auto& req = ctx.req;
  auto source = parse_copy_source(req.header_value("x-amz-copy-source"));
  if (!source) co_return source.error();
  auto directive = req.header_value("x-amz-metadata-directive");
  if (!directive.empty() && directive != "COPY" && directive != "REPLACE")
    co_return s3::Error(s3::Code::InvalidArgument, "Unknown metadata directive.");
  const bool replace = directive == "REPLACE";

  auto src = co_await run_blocking(ctx.svc.blocking,
                                   [&] { return ctx.svc.objects.stat_object(source->bucket, source->key); });
  if (!src) co_return src.error();
  if (auto st = check_conditions(req, *src, "x-amz-copy-source-"); !st) co_return st.error();
  if (src->size > kMaxCopySize)
    co_return s3::Error(s3::Code::InvalidRequest,
                        "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120");

  ObjectMeta meta = src->meta;
  if (replace) {
    auto m = meta_from_request(req);
    if (!m) co_return m.error();
    m->checksums = src->meta.checksums;  // the bytes are the same, so are their checksums
    meta = std::move(*m);
  }

  const bool self = source->bucket == req.bucket && source->key == req.key;
  s3::Result<ObjectInfo> info = s3::Error();
  if (self) {
    if (!replace)
      co_return s3::Error(s3::Code::InvalidRequest,
                          "This copy request is illegal because it is trying to copy an object to itself without "
                          "changing the object's metadata, storage class, website redirect location or encryption "
                          "attributes.");
    info = co_await run_blocking(ctx.svc.blocking,
                                 [&] { return ctx.svc.objects.update_metadata(req.bucket, req.key, meta); });
  } else {
    info = co_await run_blocking(ctx.svc.blocking, [&] { return copy_data(ctx.svc.objects, *src, req, meta); });
  }
  if (!info) co_return info.error();

  pugi::xml_document doc;
  auto root = new_s3_document(doc, "CopyObjectResult");
  add_text(root, "LastModified", iso8601_ms(info->mtime_ms));
  add_text(root, "ETag", quoted_etag(info->etag));
  Response r = xml_response(to_string(doc));
  if (src->version_id != "null") r.add("x-amz-copy-source-version-id", src->version_id);
  co_return r;
}

}  // namespace silt::server::handlers
