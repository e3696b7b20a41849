#include "index/object_record.h"

#include "index/binary_record.h"
#include "index/listing_header.h"
#include "index/meta_json.h"

namespace silt {

using nlohmann::json;

json layout_to_json(const ObjectLayout& l) {
  json j = {
      {"k", l.k}, {"m", l.m}, {"block_size", l.block_size}, {"data_id", l.data_id}, {"distribution", l.distribution}};
  if (!l.pool.empty()) j["pool"] = l.pool;
  if (!l.compression.empty()) j["compression"] = l.compression;
  if (l.stored) j["stored"] = l.stored;
  if (!l.segments.empty()) {
    json segs = json::array();
    for (const auto& r : l.segments) segs.push_back({r.segment, r.offset, r.length});
    j["segments"] = std::move(segs);
  }
  return j;
}

ObjectLayout layout_from_json(const json& l) {
  ObjectLayout out;
  out.k = l.at("k").get<int>();
  out.m = l.at("m").get<int>();
  out.block_size = l.at("block_size").get<uint32_t>();
  out.data_id = l.at("data_id").get<std::string>();
  out.distribution = l.at("distribution").get<std::vector<int>>();
  out.pool = l.value("pool", "");
  out.compression = l.value("compression", "");
  out.stored = l.value("stored", uint64_t{0});
  if (auto it = l.find("segments"); it != l.end()) {
    for (const auto& r : *it)
      out.segments.push_back({r.at(0).get<uint64_t>(), r.at(1).get<uint64_t>(), r.at(2).get<uint32_t>()});
  }
  return out;
}


std::string encode_object_record(const ObjectRecord& r) {
  json parts = json::array();
  for (const auto& p : r.parts) {
    json jp = {{"number", p.number}, {"size", p.size}, {"etag", p.etag}, {"data_id", p.data_id}};
    if (!p.distribution.empty()) jp["distribution"] = p.distribution;
    if (!p.checksums.empty()) jp["checksums"] = pairs_to_json(p.checksums);
    if (p.stored) jp["stored"] = p.stored;
    parts.push_back(std::move(jp));
  }
  json j = {{"v", 1},
            {"bucket", r.info.bucket},
            {"key", r.info.key},
            {"version_id", r.info.version_id},
            {"size", r.info.size},
            {"etag", r.info.etag},
            {"mtime_ms", r.info.mtime_ms},
            {"meta", meta_to_json(r.info.meta)},
            {"layout", layout_to_json(r.layout)},
            {"parts", std::move(parts)}};
  if (!r.version_key.empty()) j["vkey"] = r.version_key;
  if (!r.upload_id.empty()) j["upload_id"] = r.upload_id;
  // Only ever present as true, so encoded_is_delete_marker can find it textually.
  if (r.info.delete_marker) j["delete_marker"] = true;
  return dump_json(j);
}

bool encoded_is_delete_marker(std::string_view text) {
  if (!text.empty() &&
      (text.front() == kListingHeaderTag || text.front() == kBinaryRecordTag || text.front() == kListingEntryTag))
    return text.size() > 1 && (text[1] & 1);
  // Older values, plain JSON: inside JSON strings every quote is escaped, so this byte sequence can only
  // be the top-level member written by encode_object_record.
  return text.find("\"delete_marker\":true") != std::string_view::npos;
}

namespace {

// Every number of the record is an integer; converting a fraction (or 4e96) to one is
// undefined behaviour, so a document holding any is corrupt. Iterative: a hostile
// document may nest deeply.
bool has_fraction(const json& doc) {
  std::vector<const json*> todo{&doc};
  while (!todo.empty()) {
    const json* j = todo.back();
    todo.pop_back();
    if (j->is_number_float()) return true;
    if (j->is_structured())
      for (const auto& child : *j) todo.push_back(&child);
  }
  return false;
}

// The JSON document (meta.json, and index values written before the binary record).
s3::Status decode_json_record(std::string_view text, ObjectRecord& r) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  const s3::Error corrupt(s3::Code::InternalError, "corrupt object record");
  if (j.is_discarded() || !j.is_object() || has_fraction(j)) return corrupt;
  try {
    // In the try: value() throws when "v" is there but not a number.
    if (j.value("v", 0) != 1) return corrupt;
    r.info.bucket = j.at("bucket").get<std::string>();
    r.info.key = j.at("key").get<std::string>();
    r.info.version_id = j.value("version_id", "null");
    r.info.size = j.at("size").get<uint64_t>();
    r.info.etag = j.at("etag").get<std::string>();
    r.info.mtime_ms = j.at("mtime_ms").get<int64_t>();
    r.info.meta = meta_from_json(j.at("meta"));
    r.info.delete_marker = j.value("delete_marker", false);
    r.version_key = j.value("vkey", "");
    r.upload_id = j.value("upload_id", "");
    r.layout = layout_from_json(j.at("layout"));
    for (const auto& p : j.at("parts")) {
      PartRecord pr{p.at("number").get<int>(),
                    p.at("size").get<uint64_t>(),
                    p.at("etag").get<std::string>(),
                    p.at("data_id").get<std::string>(),
                    p.value("distribution", std::vector<int>{}),
                    pairs_from_json(p.value("checksums", json::array())),
                    p.value("stored", uint64_t{0})};
      r.parts.push_back(std::move(pr));
    }
    return {};
  } catch (const json::exception& e) {
    return s3::Error(s3::Code::InternalError, std::string("corrupt object record: ") + e.what());
  }
}

// Whatever the form it came in: the layout must be one a reader can follow, and the
// derived fields of info are filled.
s3::Result<ObjectRecord> finish_record(ObjectRecord r) {
  r.info.upload_id = r.upload_id;
  if (r.info.delete_marker) return r;  // no data, no layout
  bool ok = r.layout.k >= 1 && r.layout.m >= 0 && r.layout.block_size > 0;
  // Summed as size_t: k and m come from the record and may be as large as int goes.
  const size_t shards = ok ? static_cast<size_t>(r.layout.k) + static_cast<size_t>(r.layout.m) : 0;
  for (const auto& p : r.parts) ok = ok && r.distribution_of(p).size() == shards;
  if (!r.multipart()) ok = ok && r.layout.distribution.size() == shards;
  if (r.layout.in_segments()) ok = ok && !r.multipart() && r.layout.segments.size() == shards;
  if (!ok) return s3::Error(s3::Code::InternalError, "object record has an invalid layout");
  if (r.multipart())
    for (const auto& p : r.parts) r.info.parts.push_back({p.number, p.size, p.etag, p.checksums});
  for (const auto& p : r.parts) r.info.stored_bytes += p.stored;
  return r;
}

}  // namespace

s3::Result<ObjectRecord> decode_object_record(std::string_view value) {
  ListingHeader h;
  std::string_view body;
  ObjectRecord r;
  if (split_index_value(value, &h, &body) && h.binary) {
    if (!decode_binary_record(body, r)) return s3::Error(s3::Code::InternalError, "corrupt object record");
  } else if (auto st = decode_json_record(body, r); !st) {
    return st.error();
  }
  return finish_record(std::move(r));
}

}  // namespace silt
