// What a handler answers. Small bodies (XML) are held in memory; object bodies
// stream from an ObjectReader. The session writes it; errors go through
// error_response(), the one place that writes S3 error XML.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "object/object_layer.h"

namespace silt::server {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;  // of body; empty with no body
  // Streamed object body of stream_length bytes (GET). For HEAD, stream is null and
  // stream_length is the Content-Length to announce without sending a body.
  std::unique_ptr<ObjectReader> stream;
  uint64_t stream_length = 0;
  bool length_only = false;  // HEAD: Content-Length = stream_length, no body

  void add(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

Response xml_response(std::string xml, int status = 200);
Response empty_response(int status);

// The S3 error document (no body for HEAD and 304).
Response error_response(const s3::Error& e, std::string_view resource, std::string_view request_id,
                        std::string_view host_id, bool head);

}  // namespace silt::server
