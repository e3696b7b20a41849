#include "server/s3/handlers/acl_headers.h"

namespace silt::server {

std::vector<std::pair<std::string_view, std::string_view>> grant_headers(const S3Request& req) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (auto name : auth::kGrantHeaders)
    if (req.has_header(name)) out.emplace_back(name, req.header_value(name));
  return out;
}

s3::Result<auth::Grants> grants_from_request(const S3Request& req) {
  return auth::parse_grant_headers(grant_headers(req));
}

s3::Result<std::string> acl_from_value(std::string_view value) {
  if (value.empty()) return std::string();
  if (!auth::is_canned_acl(value))
    return s3::Error(s3::Code::InvalidArgument, "Invalid canned ACL: " + std::string(value));
  return auth::stored_canned(value);
}

s3::Result<std::string> acl_from_request(const S3Request& req) {
  auto headers = grant_headers(req);
  if (headers.empty()) return acl_from_value(req.header_value("x-amz-acl"));
  if (req.has_header("x-amz-acl"))
    return s3::Error(s3::Code::InvalidRequest, "Specifying both Canned ACLs and Header Grants is not allowed");
  auto grants = auth::parse_grant_headers(headers);
  if (!grants) return grants.error();
  return auth::encode_grants(*grants, "");
}

}  // namespace silt::server
