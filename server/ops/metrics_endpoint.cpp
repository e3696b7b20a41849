#include "server/ops/metrics_endpoint.h"

#include <openssl/crypto.h>

#include "server/http/blocking.h"
#include "server/ops/metrics.h"

namespace silt::server {

namespace {
bool token_matches(std::string_view header, const std::string& token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() != kScheme.size() + token.size() || !boost::beast::iequals(header.substr(0, 7), kScheme))
    return false;
  return CRYPTO_memcmp(header.data() + kScheme.size(), token.data(), token.size()) == 0;
}
}  // namespace

s3::Status check_metrics_token(const boost::beast::http::request_header<>& hdr, const Config& config) {
  const std::string& token = config.metrics_token;
  if (!token.empty() && !token_matches(hdr[boost::beast::http::field::authorization], token))
    return s3::Error(s3::Code::AccessDenied, "Access Denied: the metrics need Authorization: Bearer TOKEN");
  return {};
}

boost::asio::awaitable<s3::Result<Response>> serve_metrics(OwnContext& ctx) {
  namespace http = boost::beast::http;
  const auto& hdr = ctx.head;
  Services& svc = ctx.svc;
  const bool head = hdr.method() == http::verb::head;
  if (hdr.method() != http::verb::get && !head)
    co_return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
  if (!svc.metrics) co_return s3::Error(s3::Code::ServiceUnavailable, "Metrics are not collected");
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = co_await run_blocking(svc.blocking, [&] { return svc.metrics->render(svc); });
  if (head) {
    r.length_only = true;
    r.stream_length = r.body.size();
    r.body.clear();
  }
  co_return r;
}

}  // namespace silt::server
