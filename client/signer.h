// SigV4 header signing for a client's requests (header auth, path-style), built on
// auth::sign_request so that silt's clients sign exactly as its verifier checks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silt::client {

using Headers = std::vector<std::pair<std::string, std::string>>;  // lowercase names

// SHA-256 of the empty body, the x-amz-content-sha256 of a request without one.
inline constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string access_key;
  std::string secret_key;
};

// Appends host, x-amz-date and x-amz-content-sha256 to headers, signs all of headers (the
// ones the caller put there first are signed too: Range, content-encoding...) and appends
// authorization. Returns the signature's hex, which aws-chunked chunk signatures chain from.
// target: the request-target as sent, already percent-encoded ("/b/k?x=1").
// payload_sha256: hex SHA-256 of the body, or UNSIGNED-PAYLOAD / STREAMING-...; empty: of the
// empty body.
std::string sign_headers(Headers& headers, std::string_view method, std::string_view target,
                         std::string_view host_header, const Credentials& creds, std::string_view region,
                         int64_t now_ms, std::string_view payload_sha256 = {});

}  // namespace silt::client
