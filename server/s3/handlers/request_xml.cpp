#include "server/s3/handlers/request_xml.h"

#include <charconv>
#include <cstdint>
#include <pugixml.hpp>

#include "util/checksum.h"
#include "util/parse.h"
#include "util/time.h"
#include "util/utf8.h"

namespace silt::server {

s3::Error malformed_xml() {
  return s3::Error(s3::Code::MalformedXML,
                   "The XML you provided was not well-formed or did not validate against our published schema.");
}

s3::Result<DeleteRequest> parse_delete_objects(std::string_view xml, size_t max_keys) {
  // A key holding U+0000 cannot exist (server/s3/s3_request.cpp); pugixml would cut it there
  // and delete another key.
  if (xml_has_nul(xml)) return malformed_xml();
  pugi::xml_document in;
  // Character references (&#xD; from botocore) are decoded by pugixml's default parse;
  // parse_ws_pcdata_single keeps a key of only spaces ("<Key> </Key>") as it is.
  if (!in.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single))
    return malformed_xml();
  auto del = in.child("Delete");
  if (!del) return malformed_xml();
  DeleteRequest out;
  out.quiet = std::string_view(del.child_value("Quiet")) == "true";
  for (auto obj : del.children("Object")) {
    if (!obj.child("Key")) return malformed_xml();
    // pugixml passes bytes through; a key that is not UTF-8 would be echoed into the result.
    if (!valid_utf8(obj.child_value("Key")) || !valid_utf8(obj.child_value("VersionId"))) return malformed_xml();
    // Per-key conditions (S3's conditional deletes): one the parser could not read would
    // be a delete the client did not ask for, so it fails the whole request.
    DeleteTarget t{obj.child_value("Key"), obj.child_value("VersionId"), {}};
    if (auto e = obj.child("ETag")) {
      t.cond.if_match = e.child_value();
      if (t.cond.if_match.empty()) return malformed_xml();
    }
    if (auto m = obj.child("LastModifiedTime")) {
      std::string_view v = m.child_value();
      auto ms = parse_http_date(v);
      if (!ms) ms = parse_iso8601(v);
      if (!ms) return malformed_xml();
      t.cond.mtime_s = *ms / 1000;
    }
    if (auto z = obj.child("Size")) {
      auto n = parse_u64(z.child_value());
      if (!n || *n > static_cast<uint64_t>(INT64_MAX)) return malformed_xml();
      t.cond.size = static_cast<int64_t>(*n);
    }
    out.targets.push_back(std::move(t));
    if (out.targets.size() > max_keys) return malformed_xml();
  }
  if (out.targets.empty()) return malformed_xml();
  return out;
}

s3::Result<std::vector<CompletedPart>> parse_complete_multipart(std::string_view xml) {
  pugi::xml_document in;
  if (!in.load_buffer(xml.data(), xml.size())) return malformed_xml();
  auto root = in.child("CompleteMultipartUpload");
  if (!root) return malformed_xml();
  std::vector<CompletedPart> parts;
  // Part elements may carry ChecksumCRC32 and friends (s3transfer and the JS SDK send
  // them): each must match what the part was stored with.
  for (auto p : root.children("Part")) {
    CompletedPart cp;
    std::string_view num = p.child_value("PartNumber");
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), cp.number);
    if (ec != std::errc() || ptr != num.data() + num.size()) return malformed_xml();
    cp.etag = p.child_value("ETag");
    for (auto child : p.children()) {
      std::string_view name = child.name();
      if (name.rfind("Checksum", 0) == 0 && name.size() > 8 && parse_checksum_algo(name.substr(8)))
        cp.checksums.emplace_back(std::string(name.substr(8)), child.child_value());
    }
    parts.push_back(std::move(cp));
  }
  if (parts.empty()) return malformed_xml();
  return parts;
}

s3::Result<Versioning> parse_versioning(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return malformed_xml();
  auto root = doc.child("VersioningConfiguration");
  if (!root) return malformed_xml();
  if (std::string_view(root.child_value("MfaDelete")) == "Enabled")
    return s3::Error(s3::Code::NotImplemented, "MFA Delete is not supported.");
  std::string_view status = root.child_value("Status");
  if (status == "Enabled") return Versioning::Enabled;
  if (status == "Suspended") return Versioning::Suspended;
  return malformed_xml();
}

}  // namespace silt::server
