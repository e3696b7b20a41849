// GetObjectAttributes.
#include <charconv>

#include "crypto/object_cipher.h"
#include "server/http/blocking.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/handlers/object_headers.h"
#include "server/s3/sse.h"
#include "util/time.h"

namespace silt::server::handlers {

awaitable<Result> get_object_attributes(RequestContext& ctx) {
  const auto& req = ctx.req;
  std::string wanted(req.header_value("x-amz-object-attributes"));
  if (wanted.empty())
    co_return s3::Error(
        s3::Code::InvalidArgument,
        "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty");
  auto want = [&](std::string_view name) {
    size_t pos = 0;
    while (pos <= wanted.size()) {
      size_t comma = wanted.find(',', pos);
      std::string_view item(wanted.data() + pos, (comma == std::string::npos ? wanted.size() : comma) - pos);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == name) return true;
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    return false;
  };
  const std::string* version = req.query_value("versionId");
  auto info = co_await run_blocking(ctx.svc.blocking, [&] {
    return ctx.svc.objects.stat_object(req.bucket, req.key, version ? *version : std::string());
  });
  if (!info) co_return info.error();
  // An SSE-C object answers only to its key, as on GET and HEAD (AWS: 400 without it).
  if (auto key = data_key_for(info->meta.sse, req, *ctx.svc.keys); !key) co_return key.error();
  info = crypto::plain_view(std::move(*info));

  int marker = 0, max_parts = 1000;
  if (auto m = req.header_value("x-amz-part-number-marker"); !m.empty())
    std::from_chars(m.data(), m.data() + m.size(), marker);
  if (auto m = req.header_value("x-amz-max-parts"); !m.empty())
    std::from_chars(m.data(), m.data() + m.size(), max_parts);
  max_parts = std::clamp(max_parts, 0, 1000);

  pugi::xml_document doc;
  auto root = new_s3_document(doc, "GetObjectAttributesResponse");
  if (want("ETag")) add_text(root, "ETag", info->etag);  // unquoted here, as S3 does
  if (want("Checksum") && !info->meta.checksums.empty()) {
    auto c = root.append_child("Checksum");
    for (const auto& [algo, value] : info->meta.checksums) add_text(c, ("Checksum" + algo).c_str(), value);
  }
  if (want("ObjectParts") && !info->parts.empty()) {
    auto op = root.append_child("ObjectParts");
    add_text(op, "PartsCount", std::to_string(info->parts.size()));
    add_text(op, "PartNumberMarker", std::to_string(marker));
    int shown = 0, last = marker;
    bool truncated = false;
    for (const auto& p : info->parts) {
      if (p.number <= marker) continue;
      if (shown == max_parts) {
        truncated = true;
        break;
      }
      auto node = op.append_child("Part");
      add_text(node, "PartNumber", std::to_string(p.number));
      add_text(node, "Size", std::to_string(p.size));
      for (const auto& [algo, value] : p.checksums) add_text(node, ("Checksum" + algo).c_str(), value);
      last = p.number;
      shown++;
    }
    add_text(op, "NextPartNumberMarker", std::to_string(last));
    add_text(op, "MaxParts", std::to_string(max_parts));
    add_text(op, "IsTruncated", truncated ? "true" : "false");
  }
  if (want("StorageClass"))
    add_text(root, "StorageClass", info->meta.storage_class.empty() ? "STANDARD" : info->meta.storage_class);
  if (want("ObjectSize")) add_text(root, "ObjectSize", std::to_string(info->size));
  Response r = xml_response(to_string(doc));
  r.add("Last-Modified", http_date(info->mtime_ms));
  add_version_header(r, *info);
  co_return r;
}

}  // namespace silt::server::handlers
