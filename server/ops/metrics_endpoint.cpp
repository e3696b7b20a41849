#include "server/ops/metrics_endpoint.h"

#include <openssl/crypto.h>

#include "server/http/blocking.h"
#include "server/ops/metrics.h"

namespace silt::server {

namespace {
constexpr std::string_view kPaths[] = {"/_silt/metrics", "/minio/v2/metrics/cluster", "/minio/v2/metrics/node"};

bool token_matches(std::string_view header, const std::string& token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() != kScheme.size() + token.size() || !boost::beast::iequals(header.substr(0, 7), kScheme))
    return false;
  return CRYPTO_memcmp(header.data() + kScheme.size(), token.data(), token.size()) == 0;
}
}  // namespace

bool is_metrics_target(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  for (auto p : kPaths)
    if (path == p) return true;
  return false;
}

boost::asio::awaitable<s3::Result<Response>> serve_metrics(const boost::beast::http::request_header<>& hdr,
                                                           Services& svc) {
  namespace http = boost::beast::http;
  const bool head = hdr.method() == http::verb::head;
  if (hdr.method() != http::verb::get && !head)
    co_return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
  const std::string& token = svc.config.metrics_token;
  if (!token.empty() && !token_matches(hdr[http::field::authorization], token))
    co_return s3::Error(s3::Code::AccessDenied, "Access Denied: the metrics need Authorization: Bearer TOKEN");
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
