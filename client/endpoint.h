// Where a client sends its requests: an http(s) URL taken apart into what the resolver, the
// Host header and TLS each need. Shared by `silt admin` and silt-bench.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace silt::client {

struct Endpoint {
  std::string host = "127.0.0.1";  // as the resolver wants it: "127.0.0.1", "::1", "silt.example"
  std::string port = "9000";
  std::string host_header = "127.0.0.1:9000";  // as the URL had it: "127.0.0.1:9000", "[::1]:9000"
  bool tls = false;                            // https
};

// "http://HOST[:PORT][/]" or "https://..." (port 443 unless given); "HOST:PORT" alone means
// http. A path, another scheme, an empty host or a port outside 1..65535 digits is an error
// (InternalError: the message is for a person; nothing here is an S3 answer).
s3::Result<Endpoint> parse_endpoint(std::string_view url);

}  // namespace silt::client
