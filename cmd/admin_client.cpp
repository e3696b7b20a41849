#include "cmd/admin_client.h"

#include <algorithm>
#include <boost/beast/http/status.hpp>
#include <optional>
#include <pugixml.hpp>

#include "client/connection.h"
#include "util/hash.h"
#include "util/time.h"
#include "util/uri.h"

namespace silt::admin {

namespace http = boost::beast::http;

namespace {

constexpr size_t kBodyLimit = 64 << 20;  // usage of many buckets is large, but not this large
constexpr size_t kErrorSnippet = 200;

// Same pair as cmd/main.cpp: what `silt server` accepts on loopback when no root user is set.
constexpr const char* kDevUser = "siltadmin";
constexpr const char* kDevPassword = "siltadmin-secret";

s3::Error failure(std::string message) {
  return s3::Error(s3::Code::InternalError, std::move(message));
}

}  // namespace

Credentials root_credentials(const std::function<const char*(const char*)>& getenv) {
  auto pair = [&](const char* user_var, const char* password_var) -> std::optional<Credentials> {
    const char* u = getenv(user_var);
    const char* p = getenv(password_var);
    if (!u || !*u || !p || !*p) return std::nullopt;
    return Credentials{{u, p}, std::string(user_var) + "/" + password_var};
  };
  if (auto c = pair("SILT_ROOT_USER", "SILT_ROOT_PASSWORD")) return *c;
  if (auto c = pair("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")) return *c;
  return Credentials{{kDevUser, kDevPassword}, "the development pair (SILT_ROOT_USER/SILT_ROOT_PASSWORD unset)"};
}

std::string admin_target(std::string_view path, const Query& query) {
  std::string target = std::string(kAdminPrefix) + uri_encode(path, true);
  char sep = '?';
  for (const auto& [name, value] : query) {
    if (value.empty()) continue;
    target += sep;
    target += uri_encode(name, false) + "=" + uri_encode(value, false);
    sep = '&';
  }
  return target;
}

Headers signed_headers(std::string_view method, std::string_view target, const Endpoint& ep, const Credentials& creds,
                       std::string_view region, int64_t now_ms, std::string_view payload_sha256) {
  Headers h;
  client::sign_headers(h, method, target, ep.host_header, creds, region, now_ms, payload_sha256);
  return h;
}

std::string describe_error(unsigned status, std::string_view body) {
  std::string http_part = "HTTP " + std::to_string(status);
  pugi::xml_document doc;
  if (!body.empty() && doc.load_buffer(body.data(), body.size())) {
    pugi::xml_node err = doc.child("Error");
    std::string code = err.child_value("Code");
    std::string message = err.child_value("Message");
    if (!code.empty()) {
      std::string out = code;
      if (!message.empty()) out += ": " + message;
      // A wrong --region is the usual cause of this one; the server says which it wants.
      std::string region = err.child_value("Region");
      if (!region.empty()) out += " (the server's region is " + region + "; pass --region " + region + ")";
      return out + " (" + http_part + ")";
    }
  }
  std::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
  if (!reason.empty() && reason != "<unknown-status>") http_part += " " + std::string(reason);
  std::string snippet(body.substr(0, std::min(body.size(), kErrorSnippet)));
  while (!snippet.empty() && (snippet.back() == '\n' || snippet.back() == '\r' || snippet.back() == ' '))
    snippet.pop_back();
  if (snippet.empty()) return http_part;
  return http_part + ": " + snippet + (body.size() > kErrorSnippet ? "..." : "");
}

AdminClient::AdminClient(Endpoint ep, Credentials creds, std::string region, std::chrono::milliseconds timeout,
                         TlsOptions tls)
    : ep_(std::move(ep)),
      creds_(std::move(creds)),
      region_(std::move(region)),
      timeout_(timeout),
      tls_(std::move(tls)) {}

s3::Result<std::string> AdminClient::call(std::string_view method, std::string_view path, const Query& query,
                                          std::string_view body) {
  std::string target = admin_target(path, query);
  std::string payload_sha256 = body.empty() ? std::string(client::kEmptySha256) : sha256_hex(body);
  Headers headers = signed_headers(method, target, ep_, creds_, region_, now_ms(), payload_sha256);
  headers.emplace_back("user-agent", "silt-admin");
  headers.emplace_back("connection", "close");
  if (!body.empty()) headers.emplace_back("content-type", "application/json");
  // Content-Length: 0 on a POST without a body, as on any request that may carry one.
  std::optional<uint64_t> content_length;
  if (!body.empty() || method == "POST" || method == "PUT") content_length = body.size();

  // One connection per call; every step has the deadline.
  client::Connection conn(ep_, tls_, timeout_);
  s3::Result<client::Response> res = [&]() -> s3::Result<client::Response> {
    if (auto st = conn.connect(); !st) return st.error();
    if (auto st = conn.write_head(method, target, headers, content_length); !st) return st.error();
    if (!body.empty())
      if (auto st = conn.write(body); !st) return st.error();
    return conn.read_response({.max_body = kBodyLimit});
  }();
  if (!res) {
    std::string message = res.error().message;
    if (message.find("certificate verify failed") != std::string::npos)
      message += " (pass --ca-bundle FILE or set AWS_CA_BUNDLE for a private CA)";
    else if (ep_.tls && message.find("wrong version number") != std::string::npos)
      message += " (is the server serving plain http?)";
    return failure(message);
  }
  if (res->status < 200 || res->status >= 300) {
    s3::Error e = failure(describe_error(res->status, res->body));
    return e.with("HttpStatus", std::to_string(res->status));
  }
  return std::move(res->body);
}

}  // namespace silt::admin
