#include "index/object_record.h"

#include <nlohmann/json.hpp>

namespace silt {
namespace {

using nlohmann::json;

// Pairs keep their order and may repeat, so they travel as [[name, value], ...].
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

}  // namespace

std::string encode_object_record(const ObjectRecord& r) {
  const ObjectMeta& m = r.info.meta;
  json meta = {{"content_type", m.content_type},
               {"content_encoding", m.content_encoding},
               {"content_disposition", m.content_disposition},
               {"content_language", m.content_language},
               {"cache_control", m.cache_control},
               {"expires", m.expires},
               {"user", pairs_to_json(m.user)},
               {"checksums", pairs_to_json(m.checksums)},
               {"storage_class", m.storage_class}};
  json layout = {{"k", r.layout.k},
                 {"m", r.layout.m},
                 {"block_size", r.layout.block_size},
                 {"data_id", r.layout.data_id},
                 {"distribution", r.layout.distribution}};
  json parts = json::array();
  for (const auto& p : r.parts)
    parts.push_back({{"number", p.number}, {"size", p.size}, {"etag", p.etag}, {"data_id", p.data_id}});
  json j = {{"v", 1},
            {"bucket", r.info.bucket},
            {"key", r.info.key},
            {"version_id", r.info.version_id},
            {"size", r.info.size},
            {"etag", r.info.etag},
            {"mtime_ms", r.info.mtime_ms},
            {"meta", std::move(meta)},
            {"layout", std::move(layout)},
            {"parts", std::move(parts)}};
  // Keys and metadata are arbitrary bytes from clients, not always valid UTF-8:
  // replace rather than throw (the index key, not this copy, is authoritative).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

s3::Result<ObjectRecord> decode_object_record(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("v", 0) != 1)
    return s3::Error(s3::Code::InternalError, "corrupt object record");
  try {
    ObjectRecord r;
    r.info.bucket = j.at("bucket").get<std::string>();
    r.info.key = j.at("key").get<std::string>();
    r.info.version_id = j.value("version_id", "null");
    r.info.size = j.at("size").get<uint64_t>();
    r.info.etag = j.at("etag").get<std::string>();
    r.info.mtime_ms = j.at("mtime_ms").get<int64_t>();
    const json& m = j.at("meta");
    ObjectMeta& om = r.info.meta;
    om.content_type = m.value("content_type", "");
    om.content_encoding = m.value("content_encoding", "");
    om.content_disposition = m.value("content_disposition", "");
    om.content_language = m.value("content_language", "");
    om.cache_control = m.value("cache_control", "");
    om.expires = m.value("expires", "");
    om.user = pairs_from_json(m.value("user", json::array()));
    om.checksums = pairs_from_json(m.value("checksums", json::array()));
    om.storage_class = m.value("storage_class", "STANDARD");
    const json& l = j.at("layout");
    r.layout.k = l.at("k").get<int>();
    r.layout.m = l.at("m").get<int>();
    r.layout.block_size = l.at("block_size").get<uint32_t>();
    r.layout.data_id = l.at("data_id").get<std::string>();
    r.layout.distribution = l.at("distribution").get<std::vector<int>>();
    for (const auto& p : j.at("parts"))
      r.parts.push_back({p.at("number").get<int>(), p.at("size").get<uint64_t>(), p.at("etag").get<std::string>(),
                         p.at("data_id").get<std::string>()});
    if (r.layout.k < 1 || r.layout.m < 0 || r.layout.block_size == 0 ||
        static_cast<int>(r.layout.distribution.size()) != r.layout.k + r.layout.m)
      return s3::Error(s3::Code::InternalError, "object record has an invalid layout");
    return r;
  } catch (const json::exception& e) {
    return s3::Error(s3::Code::InternalError, std::string("corrupt object record: ") + e.what());
  }
}

}  // namespace silt
