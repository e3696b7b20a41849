#include "client/endpoint.h"

#include "util/parse.h"

namespace silt::client {

namespace {

s3::Error bad(std::string message) {
  return s3::Error(s3::Code::InternalError, std::move(message));
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
    return bad("endpoint must be http(s)://HOST[:PORT], got " + std::string(url));
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos)
    return bad("endpoint must be http(s)://HOST[:PORT] without a path, got " + std::string(url));

  Endpoint ep;
  ep.tls = tls;
  ep.host_header = std::string(rest);
  std::string_view port;
  if (rest.front() == '[') {  // [v6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address in " + std::string(url));
    ep.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("bad endpoint " + std::string(url));
      port = after.substr(1);
    }
  } else {
    size_t colon = rest.rfind(':');
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (ep.host.empty()) return bad("endpoint has no host: " + std::string(url));
  ep.port = port.empty() ? (tls ? "443" : "80") : std::string(port);
  if (auto port_number = parse_u64(ep.port); !port_number || *port_number > 65535)
    return bad("bad port in endpoint " + std::string(url));
  return ep;
}

}  // namespace silt::client
