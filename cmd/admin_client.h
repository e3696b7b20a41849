// The client side of silt's admin API (docs/admin-api.md): one SigV4-signed HTTP/1.1 request
// per call, signed by the root user, answering the body of a 2xx or a readable error. The
// transport, TLS and signing are client/'s; this file knows the admin API's paths, the root
// credentials' variables and how to say what went wrong.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/endpoint.h"
#include "client/signer.h"
#include "client/tls_context.h"
#include "common/error.h"

namespace silt::admin {

using Query = std::vector<std::pair<std::string, std::string>>;  // decoded names and values
using client::Headers;

inline constexpr std::string_view kAdminPrefix = "/_silt/admin/v1/";

// The endpoint, its TLS checks and its parsing are the shared client's (client/).
using client::Endpoint;
using client::parse_endpoint;
using client::TlsOptions;

struct Credentials : client::Credentials {
  std::string source;  // which variables they came from, for error messages
};

// SILT_ROOT_USER/SILT_ROOT_PASSWORD, else MINIO_ROOT_USER/MINIO_ROOT_PASSWORD, else the development
// pair `silt server` uses on loopback when neither is set. A pair counts only when both are non-empty.
Credentials root_credentials(const std::function<const char*(const char*)>& getenv);

// "/_silt/admin/v1/PATH?a=1&b=x%2Cy": query values encoded as SigV4 canonicalises them (RFC 3986),
// so the signature covers exactly what is sent. Parameters with an empty value are left out.
std::string admin_target(std::string_view path, const Query& query);

// The headers of a signed request: host, x-amz-date, x-amz-content-sha256 and authorization.
// payload_sha256: hex SHA-256 of the body (empty: of the empty body).
Headers signed_headers(std::string_view method, std::string_view target, const Endpoint& ep, const Credentials& creds,
                       std::string_view region, int64_t now_ms, std::string_view payload_sha256 = {});

// What went wrong, for a person: "SignatureDoesNotMatch: The request signature ... (HTTP 403)"
// from an S3 XML error body, else "HTTP 404 Not Found" and the start of whatever body came.
std::string describe_error(unsigned status, std::string_view body);

class AdminClient {
 public:
  AdminClient(Endpoint ep, Credentials creds, std::string region,
              std::chrono::milliseconds timeout = std::chrono::seconds(30), TlsOptions tls = {});

  // One call: the body of a 2xx answer, or an error whose message says what failed
  // (connection, timeout, or the server's error code and message).
  // body: sent as JSON when not empty.
  s3::Result<std::string> call(std::string_view method, std::string_view path, const Query& query = {},
                               std::string_view body = {});

 private:
  Endpoint ep_;
  Credentials creds_;
  std::string region_;
  std::chrono::milliseconds timeout_;
  TlsOptions tls_;
};

}  // namespace silt::admin
