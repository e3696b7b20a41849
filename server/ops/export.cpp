#include "server/ops/export.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "auth/user_backing.h"
#include "auth/user_store.h"
#include "common/object_json.h"

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
  uint64_t offset = 0, length = kMaxDataWindow;
  const std::string off = query_value(c, "offset"), len = query_value(c, "length");
  auto number = [](const std::string& s, uint64_t& v) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return s.empty() || (ec == std::errc() && end == s.data() + s.size());
  };
  if (!number(off, offset) || !number(len, length) || length > kMaxDataWindow)
    return s3::Error(s3::Code::InvalidArgument, "offset and length must be whole bytes, length at most 16 MiB");
  if (offset > info->size) offset = info->size;
  length = std::min(length, info->size - offset);
  auto reader = c.svc.objects.open_object(*info, offset, length);
  if (!reader) return reader.error();
  Response r;
  r.content_type = "application/octet-stream";
  r.add("x-silt-object-size", std::to_string(info->size));
  r.stream = std::move(*reader);
  r.stream_length = length;
  return r;
}

}  // namespace silt::server
