#include "cmd/admin_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <pugixml.hpp>

#include "auth/sigv4.h"
#include "util/hash.h"
#include "util/parse.h"
#include "util/time.h"
#include "util/uri.h"

namespace silt::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr size_t kBodyLimit = 64 << 20;  // usage of many buckets is large, but not this large
constexpr size_t kErrorSnippet = 200;

// Same pair as cmd/main.cpp: what `silt server` accepts on loopback when no root user is set.
constexpr const char* kDevUser = "siltadmin";
constexpr const char* kDevPassword = "siltadmin-secret";

s3::Error failure(std::string message) {
  return s3::Error(s3::Code::InternalError, std::move(message));
}

// A failed step of the exchange: which, and why.
struct Step {
  std::string what;
  beast::error_code fail;
};

// Sends req and reads the answer on a connected stream (TCP or TLS), each step within timeout.
template <class Stream>
asio::awaitable<void> send_and_read(Stream& stream, http::request<http::string_body>& req,
                                    http::response_parser<http::string_body>& parser, std::chrono::milliseconds timeout,
                                    const std::string& peer, Step& step) {
  constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [wec, ignored_w] = co_await http::async_write(stream, req, tuple);
  if (wec) {
    step = {"cannot send to " + peer, wec};
    co_return;
  }
  beast::flat_buffer buf;
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [rec, ignored_r] = co_await http::async_read(stream, buf, parser, tuple);
  if (rec) step = {"no answer from " + peer, rec};
}

// TLS 1.2 or later, HTTP/1.1 by ALPN, the server's certificate checked against ca_bundle
// (else the system's CAs) unless insecure.
s3::Result<std::unique_ptr<asio::ssl::context>> client_context(const TlsOptions& o) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  static const unsigned char kHttp11[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx->native_handle(), kHttp11, sizeof kHttp11 - 1);
  boost::system::error_code ec;
  if (o.insecure) {
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  if (o.ca_bundle.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(o.ca_bundle, ec);
  if (ec)
    return failure("cannot load the CA bundle " + (o.ca_bundle.empty() ? "of the system" : o.ca_bundle) + ": " +
                   ec.message());
  return ctx;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

s3::Result<Endpoint> parse_endpoint(std::string_view url) {
  std::string_view rest = url;
  bool tls = false;
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
    tls = true;
  } else if (rest.rfind("http://", 0) == 0)
    rest.remove_prefix(7);
  else if (rest.find("://") != std::string_view::npos)
    return failure("endpoint must be http(s)://HOST[:PORT], got " + std::string(url));
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos)
    return failure("endpoint must be http(s)://HOST[:PORT] without a path, got " + std::string(url));

  Endpoint ep;
  ep.tls = tls;
  ep.host_header = std::string(rest);
  std::string_view port;
  if (rest.front() == '[') {  // [v6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return failure("unterminated IPv6 address in " + std::string(url));
    ep.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return failure("bad endpoint " + std::string(url));
      port = after.substr(1);
    }
  } else {
    size_t colon = rest.rfind(':');
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (ep.host.empty()) return failure("endpoint has no host: " + std::string(url));
  ep.port = port.empty() ? (tls ? "443" : "80") : std::string(port);
  if (auto port_number = parse_u64(ep.port); !port_number || *port_number > 65535)
    return failure("bad port in endpoint " + std::string(url));
  return ep;
}

Credentials root_credentials(const std::function<const char*(const char*)>& getenv) {
  auto pair = [&](const char* user_var, const char* password_var) -> std::optional<Credentials> {
    const char* u = getenv(user_var);
    const char* p = getenv(password_var);
    if (!u || !*u || !p || !*p) return std::nullopt;
    return Credentials{u, p, std::string(user_var) + "/" + password_var};
  };
  if (auto c = pair("SILT_ROOT_USER", "SILT_ROOT_PASSWORD")) return *c;
  if (auto c = pair("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")) return *c;
  return {kDevUser, kDevPassword, "the development pair (SILT_ROOT_USER/SILT_ROOT_PASSWORD unset)"};
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
  if (payload_sha256.empty()) payload_sha256 = kEmptySha256;
  Headers h{{"host", ep.host_header},
            {"x-amz-date", amz_date(now_ms)},
            {"x-amz-content-sha256", std::string(payload_sha256)}};
  std::string auth = auth::sign_request(method, target, h, payload_sha256, creds.access_key, creds.secret_key, region);
  h.emplace_back("authorization", std::move(auth));
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
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  std::string payload_sha256 = body.empty() ? std::string(kEmptySha256) : sha256_hex(body);
  for (const auto& [name, value] : signed_headers(method, target, ep_, creds_, region_, now_ms(), payload_sha256))
    req.set(name, value);
  req.set(http::field::user_agent, "silt-admin");
  req.set(http::field::connection, "close");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = std::string(body);
  req.prepare_payload();  // Content-Length: 0 on POST

  std::unique_ptr<asio::ssl::context> tls_ctx;
  if (ep_.tls) {
    auto ctx = client_context(tls_);
    if (!ctx) return ctx.error();
    tls_ctx = std::move(*ctx);
  }

  // One connection per call, driven by a coroutine so every step has a deadline.
  asio::io_context io;
  Step step;  // the step that failed, when one did
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  auto exchange = [&]() -> asio::awaitable<void> {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    asio::ip::tcp::resolver resolver(io);
    auto [rec, results] = co_await resolver.async_resolve(ep_.host, ep_.port, tuple);
    if (rec) {
      step = {"cannot resolve " + ep_.host, rec};
      co_return;
    }
    beast::tcp_stream stream(io);
    stream.expires_after(timeout_);
    auto [cec, ignored_ep] = co_await stream.async_connect(results, tuple);
    if (cec) {
      step = {"cannot connect to " + ep_.host_header, cec};
      co_return;
    }
    beast::error_code ignored;
    if (!tls_ctx) {
      co_await send_and_read(stream, req, parser, timeout_, ep_.host_header, step);
      stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *tls_ctx);
    // SNI names a host, never an address; the certificate must name the one we dialled.
    if (!is_ip_address(ep_.host)) SSL_set_tlsext_host_name(tls.native_handle(), ep_.host.c_str());
    if (!tls_.insecure) tls.set_verify_callback(asio::ssl::host_name_verification(ep_.host));
    beast::get_lowest_layer(tls).expires_after(timeout_);
    auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::client, tuple);
    if (hec) {
      step = {"TLS handshake with " + ep_.host_header + " failed", hec};
      co_return;
    }
    // The answer is framed by Content-Length; a close_notify exchange would add nothing.
    co_await send_and_read(tls, req, parser, timeout_, ep_.host_header, step);
    beast::get_lowest_layer(tls).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  };
  asio::co_spawn(io, exchange, asio::detached);
  io.run();

  if (step.fail) {
    std::string message = step.what + ": " + step.fail.message();
    if (message.find("certificate verify failed") != std::string::npos)
      message += " (pass --ca-bundle FILE or set AWS_CA_BUNDLE for a private CA)";
    else if (ep_.tls && message.find("wrong version number") != std::string::npos)
      message += " (is the server serving plain http?)";
    return failure(message);
  }
  const auto& res = parser.get();
  unsigned status = res.result_int();
  if (status < 200 || status >= 300) {
    s3::Error e = failure(describe_error(status, res.body()));
    return e.with("HttpStatus", std::to_string(status));
  }
  return std::move(parser.release().body());
}

}  // namespace silt::admin
