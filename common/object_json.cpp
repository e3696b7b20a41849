#include "common/object_json.h"

namespace silt {

using nlohmann::json;

json pairs_to_json(const std::vector<std::pair<std::string, std::string>>& v) {
  json a = json::array();
  for (const auto& [k, val] : v) a.push_back(json::array({k, val}));
  return a;
}

std::vector<std::pair<std::string, std::string>> pairs_from_json(const json& a) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!a.is_array()) return out;
  for (const auto& p : a)
    if (p.is_array() && p.size() == 2 && p[0].is_string() && p[1].is_string())
      out.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  return out;
}

json meta_to_json(const ObjectMeta& m) {
  json j = {{"content_type", m.content_type},
            {"content_encoding", m.content_encoding},
            {"content_disposition", m.content_disposition},
            {"content_language", m.content_language},
            {"cache_control", m.cache_control},
            {"expires", m.expires},
            {"user", pairs_to_json(m.user)},
            {"checksums", pairs_to_json(m.checksums)},
            {"storage_class", m.storage_class}};
  if (!m.tags.empty()) j["tags"] = pairs_to_json(m.tags);
  if (!m.acl.empty()) j["acl"] = m.acl;
  if (!m.writer.empty()) j["writer"] = m.writer;
  if (!m.checksum_type.empty()) j["checksum_type"] = m.checksum_type;
  if (!m.lock.mode.empty()) {
    j["lock_mode"] = m.lock.mode;
    j["lock_until_ms"] = m.lock.retain_until_ms;
  }
  if (m.lock.legal_hold_set) j["legal_hold"] = m.lock.legal_hold;
  if (!m.sse.empty()) {
    j["sse"] = {{"algorithm", m.sse.algorithm}, {"key_id", m.sse.key_id}, {"sealed_key", m.sse.sealed_key}};
    if (!m.sse.context.empty()) j["sse"]["context"] = m.sse.context;
    if (m.sse.bucket_key) j["sse"]["bucket_key"] = true;
  }
  return j;
}

ObjectMeta meta_from_json(const json& m) {
  ObjectMeta om;
  if (!m.is_object()) return om;
  om.content_type = m.value("content_type", "");
  om.content_encoding = m.value("content_encoding", "");
  om.content_disposition = m.value("content_disposition", "");
  om.content_language = m.value("content_language", "");
  om.cache_control = m.value("cache_control", "");
  om.expires = m.value("expires", "");
  om.user = pairs_from_json(m.value("user", json::array()));
  om.checksums = pairs_from_json(m.value("checksums", json::array()));
  om.storage_class = m.value("storage_class", "STANDARD");
  om.tags = pairs_from_json(m.value("tags", json::array()));
  om.acl = m.value("acl", "");
  om.writer = m.value("writer", "");
  om.checksum_type = m.value("checksum_type", "");
  om.lock.mode = m.value("lock_mode", "");
  om.lock.retain_until_ms = m.value("lock_until_ms", int64_t{0});
  om.lock.legal_hold_set = m.contains("legal_hold");
  om.lock.legal_hold = m.value("legal_hold", false);
  if (auto sse = m.find("sse"); sse != m.end() && sse->is_object()) {
    om.sse.algorithm = sse->value("algorithm", "");
    om.sse.key_id = sse->value("key_id", "");
    om.sse.sealed_key = sse->value("sealed_key", "");
    om.sse.context = sse->value("context", "");
    om.sse.bucket_key = sse->value("bucket_key", false);
  }
  return om;
}

json info_to_json(const ObjectInfo& v) {
  json parts = json::array();
  for (const auto& p : v.parts)
    parts.push_back(
        {{"number", p.number}, {"size", p.size}, {"etag", p.etag}, {"checksums", pairs_to_json(p.checksums)}});
  json j = {
      {"bucket", v.bucket}, {"key", v.key},           {"version_id", v.version_id},   {"size", v.size},
      {"etag", v.etag},     {"mtime_ms", v.mtime_ms}, {"meta", meta_to_json(v.meta)}, {"parts", std::move(parts)}};
  if (v.delete_marker) j["delete_marker"] = true;
  if (!v.upload_id.empty()) j["upload_id"] = v.upload_id;
  return j;
}

s3::Result<ObjectInfo> info_from_json(const json& j) {
  try {
    ObjectInfo v;
    v.bucket = j.at("bucket").get<std::string>();
    v.key = j.at("key").get<std::string>();
    v.version_id = j.at("version_id").get<std::string>();
    v.size = j.at("size").get<uint64_t>();
    v.etag = j.at("etag").get<std::string>();
    v.mtime_ms = j.at("mtime_ms").get<int64_t>();
    v.meta = meta_from_json(j.at("meta"));
    v.delete_marker = j.value("delete_marker", false);
    v.upload_id = j.value("upload_id", "");
    for (const auto& p : j.at("parts"))
      v.parts.push_back({p.at("number").get<int>(), p.at("size").get<uint64_t>(), p.at("etag").get<std::string>(),
                         pairs_from_json(p.value("checksums", json::array()))});
    return v;
  } catch (const json::exception& e) {
    return s3::Error(s3::Code::InternalError, std::string("malformed exported version: ") + e.what());
  }
}

json upload_to_json(const UploadInfo& u) {
  return {{"key", u.key}, {"upload_id", u.upload_id}, {"initiated_ms", u.initiated_ms}, {"meta", meta_to_json(u.meta)}};
}

s3::Result<UploadInfo> upload_from_json(const json& j) {
  try {
    UploadInfo u;
    u.key = j.at("key").get<std::string>();
    u.upload_id = j.at("upload_id").get<std::string>();
    u.initiated_ms = j.at("initiated_ms").get<int64_t>();
    u.meta = meta_from_json(j.at("meta"));
    return u;
  } catch (const json::exception& e) {
    return s3::Error(s3::Code::InternalError, std::string("malformed exported upload: ") + e.what());
  }
}

json part_to_json(const PartInfo& p) {
  return {{"number", p.number},
          {"size", p.size},
          {"etag", p.etag},
          {"mtime_ms", p.mtime_ms},
          {"checksums", pairs_to_json(p.checksums)}};
}

s3::Result<PartInfo> part_from_json(const json& j) {
  try {
    return PartInfo{j.at("number").get<int>(), j.at("size").get<uint64_t>(), j.at("etag").get<std::string>(),
                    j.at("mtime_ms").get<int64_t>(), pairs_from_json(j.value("checksums", json::array()))};
  } catch (const json::exception& e) {
    return s3::Error(s3::Code::InternalError, std::string("malformed exported part: ") + e.what());
  }
}

}  // namespace silt
