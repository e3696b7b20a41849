#include "server/s3/handlers/acl_headers.h"

#include "auth/acl.h"

namespace silt::server {

s3::Result<std::string> acl_from_value(std::string_view value) {
  if (value.empty()) return std::string();
  auto acl = auth::canned_acl(value);
  if (!acl) return s3::Error(s3::Code::InvalidArgument, "Invalid canned ACL: " + std::string(value));
  if (*acl == auth::CannedAcl::Private) return std::string();
  return std::string(auth::acl_name(*acl));
}

s3::Result<std::string> acl_from_request(const S3Request& req) {
  return acl_from_value(req.header_value("x-amz-acl"));
}

}  // namespace silt::server
