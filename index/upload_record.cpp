#include "index/upload_record.h"

#include "index/meta_json.h"

namespace silt {

using nlohmann::json;

std::string encode_upload_info(const UploadInfo& u) {
  return dump_json({{"v", 1},
                    {"bucket", u.bucket},
                    {"key", u.key},
                    {"upload_id", u.upload_id},
                    {"initiated_ms", u.initiated_ms},
                    {"meta", meta_to_json(u.meta)}});
}

s3::Result<UploadInfo> decode_upload_info(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("v", 0) != 1)
    return s3::Error(s3::Code::InternalError, "corrupt upload record");
  UploadInfo u;
  u.bucket = j.value("bucket", "");
  u.key = j.value("key", "");
  u.upload_id = j.value("upload_id", "");
  u.initiated_ms = j.value("initiated_ms", int64_t{0});
  u.meta = meta_from_json(j.value("meta", json::object()));
  return u;
}

std::string encode_uploaded_part(const UploadedPart& p) {
  return dump_json({{"v", 1},
                    {"kind", "part"},
                    {"bucket", p.bucket},
                    {"key", p.key},
                    {"upload_id", p.upload_id},
                    {"number", p.info.number},
                    {"size", p.info.size},
                    {"etag", p.info.etag},
                    {"mtime_ms", p.info.mtime_ms},
                    {"checksums", pairs_to_json(p.info.checksums)},
                    {"layout", layout_to_json(p.layout)}});
}

s3::Result<UploadedPart> decode_uploaded_part(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("v", 0) != 1 || j.value("kind", "") != "part")
    return s3::Error(s3::Code::InternalError, "corrupt part record");
  try {
    UploadedPart p;
    p.bucket = j.at("bucket").get<std::string>();
    p.key = j.at("key").get<std::string>();
    p.upload_id = j.at("upload_id").get<std::string>();
    p.info.number = j.at("number").get<int>();
    p.info.size = j.at("size").get<uint64_t>();
    p.info.etag = j.at("etag").get<std::string>();
    p.info.mtime_ms = j.at("mtime_ms").get<int64_t>();
    p.info.checksums = pairs_from_json(j.value("checksums", json::array()));
    p.layout = layout_from_json(j.at("layout"));
    return p;
  } catch (const json::exception& e) {
    return s3::Error(s3::Code::InternalError, std::string("corrupt part record: ") + e.what());
  }
}

}  // namespace silt
