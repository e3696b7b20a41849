// Bucket CORS rules (PutBucketCors) and how a browser's request is matched
// against them: preflight OPTIONS and the Access-Control-* headers on real requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt::server {

struct CorsRule {
  std::vector<std::string> origins;  // may contain one '*' wildcard each
  std::vector<std::string> methods;
  std::vector<std::string> headers;  // allowed request headers, may contain '*'
  std::vector<std::string> expose;
  int max_age = -1;
};

// Parses and validates a CORSConfiguration document. MalformedXML / InvalidRequest
// (InvalidRequest too for an AllowedOrigin that is not a header value, or an
// AllowedHeader / ExposeHeader that is not a header name: no CR LF reaches a response).
s3::Result<std::vector<CorsRule>> parse_cors(std::string_view xml);

// The first rule allowing origin + method + every requested header, as S3 picks it.
const CorsRule* match_cors(const std::vector<CorsRule>& rules, std::string_view origin, std::string_view method,
                           std::string_view request_headers);

// Access-Control-* response headers for a matched rule.
std::vector<std::pair<std::string, std::string>> cors_headers(const CorsRule& rule, std::string_view origin,
                                                              bool preflight, std::string_view request_headers);

}  // namespace silt::server
