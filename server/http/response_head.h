// A response's status line and header section, written into one buffer that goes out
// with the body in one write. Beast's response object allocated a node per field and
// its serializer walked them again; a small GET's head is a dozen fixed headers
// (docs/performance.md, "4 KiB GET").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/s3/response.h"

namespace silt::server {

// What every response carries besides the handler's headers.
struct HeadFields {
  unsigned version = 11;  // 10 or 11, as the request's
  bool keep_alive = true;
  std::string_view date;        // the Date header's value
  std::string_view request_id;  // x-amz-request-id
  std::string_view host_id;     // x-amz-id-2
  // Content-Length; nothing: none sent (204, 304).
  std::optional<uint64_t> content_length;
};

// "HTTP/1.x <status> <reason>", Server, Date, x-amz-request-id, x-amz-id-2, r's headers in
// order (r.content_type, when set, instead of any Content-Type among them), Connection as
// HTTP/1.x wants it for f.keep_alive, Content-Length, and the blank line. r's headers must
// have passed unsafe_header() (server/http/header_guard.h): they are written as they are.
std::string response_head(const Response& r, const HeadFields& f);

}  // namespace silt::server
