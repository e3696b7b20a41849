#include "server/ops/export.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "auth/user_backing.h"
#include "auth/user_store.h"
#include "common/object_json.h"
#include "object/part_reader.h"

namespace silt::server {

namespace {

constexpr int kPage = 1000;
constexpr uint64_t kMaxDataWindow = 16ull << 20;

std::string query_value(const AdminCall& c, std::string_view name) {
  for (const auto& [k, v] : c.query)
    if (k == name) return v;
  return {};
}

Response compact_json_response(const nlohmann::json& j) {
  Response r;
  r.content_type = "application/json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

const char* versioning_name(Versioning v) {
  switch (v) {
    case Versioning::Enabled: return "Enabled";
    case Versioning::Suspended: return "Suspended";
    case Versioning::Unversioned: return "Unversioned";
  }
  return "Unversioned";
}

s3::Status need_bucket(const AdminCall& c) {
  if (c.bucket.empty()) return s3::Error(s3::Code::InvalidArgument, "export needs ?bucket=NAME");
  return {};
}

// A whole decimal number, or absent (v keeps its default).
bool export_number(const std::string& s, uint64_t& v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return s.empty() || (ec == std::errc() && end == s.data() + s.size());
}

// ?offset= and ?length= of a data window: at most kMaxDataWindow bytes (the default).
s3::Status data_window(const AdminCall& c, uint64_t& offset, uint64_t& length) {
  offset = 0;
  length = kMaxDataWindow;
  if (!export_number(query_value(c, "offset"), offset) || !export_number(query_value(c, "length"), length) ||
      length > kMaxDataWindow)
    return s3::Error(s3::Code::InvalidArgument, "offset and length must be whole bytes, length at most 16 MiB");
  return {};
}

// A key or marker of an export call: S3's key limit, so nothing longer travels on.
s3::Status bounded_name(const std::string& v, const char* what) {
  if (v.size() > kMaxKeyLength)
    return s3::Error(s3::Code::InvalidArgument, std::string(what) + " is longer than 1024 bytes");
  return {};
}

// ?part-number=: 1..10000 (S3's part numbers).
s3::Result<int> part_number_of(const AdminCall& c) {
  uint64_t n = 0;
  const std::string v = query_value(c, "part-number");
  if (v.empty() || !export_number(v, n) || n < 1 || n > static_cast<uint64_t>(kMaxPartNumber))
    return s3::Error(s3::Code::InvalidArgument, "part-number must be an integer between 1 and 10000, inclusive");
  return static_cast<int>(n);
}

// ?key= and ?upload-id= of the parts calls (the object layer answers NoSuchUpload for an
// id that cannot be one).
s3::Status need_upload(const AdminCall& c, std::string& key, std::string& upload_id) {
  if (auto s = need_bucket(c); !s) return s;
  key = query_value(c, "key");
  upload_id = query_value(c, "upload-id");
  if (key.empty() || upload_id.empty())
    return s3::Error(s3::Code::InvalidArgument, "export needs ?bucket=, key= and upload-id=");
  return bounded_name(key, "key");
}

Response stream_window(std::unique_ptr<ObjectReader> reader, uint64_t size, uint64_t length) {
  Response r;
  r.content_type = "application/octet-stream";
  r.add("x-silt-object-size", std::to_string(size));
  r.stream = std::move(reader);
  r.stream_length = length;
  return r;
}

}  // namespace

s3::Result<Response> admin_export_buckets(const AdminCall& c) {
  if (auto s = c.expect("GET"); !s) return s.error();
  auto buckets = c.svc.objects.list_buckets();
  if (!buckets) return buckets.error();
  nlohmann::json out{{"buckets", nlohmann::json::array()}, {"users", nlohmann::json::array()}};
  for (const auto& b : *buckets) {
    auto info = c.svc.objects.head_bucket(b.name);  // list_buckets may leave versioning out
    if (!info) return info.error();
    nlohmann::json configs = nlohmann::json::object();
    for (const char* name : kExportedConfigs) {
      auto doc = c.svc.objects.get_bucket_config(b.name, name);
      if (!doc) return doc.error();
      if (*doc) configs[name] = **doc;
    }
    out["buckets"].push_back({{"name", info->name},
                              {"created_ms", info->created_ms},
                              {"versioning", versioning_name(info->versioning)},
                              {"owner", info->owner},
                              {"configs", std::move(configs)}});
  }
  if (c.svc.users) {
    for (const auto& u : c.svc.users->list()) {
      if (u.admin) continue;  // the root comes from configuration, not from the store
      auto cred = c.svc.users->credentials().find(u.access_key);
      if (cred) out["users"].push_back(nlohmann::json::parse(auth::encode_user(*cred)));
    }
  }
  return compact_json_response(out);
}

s3::Result<Response> admin_export_versions(const AdminCall& c) {
  if (auto s = c.expect("GET"); !s) return s.error();
  if (auto s = need_bucket(c); !s) return s.error();
  VersionListParams p;
  p.key_marker = query_value(c, "key-marker");
  p.version_id_marker = query_value(c, "version-id-marker");
  p.max_keys = kPage;
  auto page = c.svc.objects.list_object_versions(c.bucket, p);
  if (!page) return page.error();
  nlohmann::json versions = nlohmann::json::array();
  for (auto& v : page->versions) {
    v.bucket = c.bucket;
    versions.push_back(info_to_json(v));
  }
  return compact_json_response({{"versions", std::move(versions)},
                                {"truncated", page->truncated},
                                {"next_key_marker", page->next_key_marker},
                                {"next_version_id_marker", page->next_version_id_marker}});
}

s3::Result<Response> admin_export_data(const AdminCall& c) {
  if (auto s = c.expect("GET"); !s) return s.error();
  if (auto s = need_bucket(c); !s) return s.error();
  const std::string key = query_value(c, "key"), version = query_value(c, "version-id");
  if (key.empty() || version.empty())
    return s3::Error(s3::Code::InvalidArgument, "export/data needs ?bucket=, key= and version-id=");
  auto info = c.svc.objects.stat_object(c.bucket, key, version);
  if (!info) return info.error();
  // A bounded window of the version: the migrating client asks for it piece by piece.
  uint64_t offset = 0, length = 0;
  if (auto s = data_window(c, offset, length); !s) return s.error();
  if (offset > info->size) offset = info->size;
  length = std::min(length, info->size - offset);
  auto reader = c.svc.objects.open_object(*info, offset, length);
  if (!reader) return reader.error();
  return stream_window(std::move(*reader), info->size, length);
}

s3::Result<Response> admin_export_uploads(const AdminCall& c) {
  if (auto s = c.expect("GET"); !s) return s.error();
  if (auto s = need_bucket(c); !s) return s.error();
  UploadListParams p;
  p.key_marker = query_value(c, "key-marker");
  p.upload_id_marker = query_value(c, "upload-id-marker");
  if (auto s = bounded_name(p.key_marker, "key-marker"); !s) return s.error();
  if (auto s = bounded_name(p.upload_id_marker, "upload-id-marker"); !s) return s.error();
  p.max_uploads = kPage;
  auto page = c.svc.objects.list_uploads(c.bucket, p);
  if (!page) return page.error();
  nlohmann::json uploads = nlohmann::json::array();
  for (const auto& u : page->uploads) uploads.push_back(upload_to_json(u));
  return compact_json_response({{"uploads", std::move(uploads)},
                                {"truncated", page->truncated},
                                {"next_key_marker", page->next_key_marker},
                                {"next_upload_id_marker", page->next_upload_id_marker}});
}

s3::Result<Response> admin_export_parts(const AdminCall& c) {
  if (auto s = c.expect("GET"); !s) return s.error();
  std::string key, upload_id;
  if (auto s = need_upload(c, key, upload_id); !s) return s.error();
  uint64_t marker = 0;
  if (!export_number(query_value(c, "part-number-marker"), marker) || marker > static_cast<uint64_t>(kMaxPartNumber))
    return s3::Error(s3::Code::InvalidArgument, "part-number-marker must be an integer between 0 and 10000");
  auto page = c.svc.objects.list_parts(c.bucket, key, upload_id, static_cast<int>(marker), kPage);
  if (!page) return page.error();
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : page->parts) parts.push_back(part_to_json(p));
  return compact_json_response(
      {{"parts", std::move(parts)}, {"truncated", page->truncated}, {"next_part_number_marker", page->next_marker}});
}

s3::Result<Response> admin_export_part_data(const AdminCall& c) {
  if (auto s = c.expect("GET"); !s) return s.error();
  std::string key, upload_id;
  if (auto s = need_upload(c, key, upload_id); !s) return s.error();
  auto number = part_number_of(c);
  if (!number) return number.error();
  uint64_t offset = 0, length = 0;
  if (auto s = data_window(c, offset, length); !s) return s.error();
  auto* parts = dynamic_cast<PartReader*>(&c.svc.objects);
  if (!parts)
    return s3::Error(s3::Code::NotImplemented,
                     "A header you provided implies functionality that is not implemented: this storage backend "
                     "does not read the parts of an upload in progress.");
  PartInfo part;
  auto reader = parts->open_part(c.bucket, key, upload_id, *number, offset, length, &part);
  if (!reader) return reader.error();
  return stream_window(std::move(*reader), part.size, std::min(length, part.size - offset));
}

}  // namespace silt::server
