#include "server/s3/response.h"

#include "util/xml.h"

namespace silt::server {

static Response error_document(const s3::Error& e, std::string_view resource, std::string_view request_id,
                               std::string_view host_id, bool head);

Response xml_response(std::string xml, int status) {
  Response r;
  r.status = status;
  r.body = std::move(xml);
  r.content_type = "application/xml";
  return r;
}

Response empty_response(int status) {
  Response r;
  r.status = status;
  return r;
}

Response error_response(const s3::Error& e, std::string_view resource, std::string_view request_id,
                        std::string_view host_id, bool head) {
  Response r = error_document(e, resource, request_id, host_id, head);
  // S3 tells the client the object's size when a range cannot be served, and
  // marks answers about delete markers.
  if (auto it = e.extra.find("ActualObjectSize"); e.code == s3::Code::InvalidRange && it != e.extra.end())
    r.add("Content-Range", "bytes */" + it->second);
  if (auto it = e.extra.find("DeleteMarker"); it != e.extra.end()) r.add("x-amz-delete-marker", it->second);
  if (auto it = e.extra.find("VersionId"); it != e.extra.end()) r.add("x-amz-version-id", it->second);
  return r;
}

static Response error_document(const s3::Error& e, std::string_view resource, std::string_view request_id,
                               std::string_view host_id, bool head) {
  int status = s3::http_status(e.code);
  if (head || status == 304) return empty_response(status);
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("Error");
  add_text(root, "Code", s3::code_name(e.code));
  add_text(root, "Message", e.message);
  for (const auto& [k, v] : e.extra)
    if (k != "DeleteMarker" && k != "VersionId") add_text(root, k.c_str(), v);  // those travel as headers
  add_text(root, "Resource", resource);
  add_text(root, "RequestId", request_id);
  add_text(root, "HostId", host_id);
  return xml_response(to_string(doc), status);
}

}  // namespace silt::server
