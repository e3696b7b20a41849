#include "server/http/response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>

#include "util/strings.h"

namespace silt::server {

namespace {
void field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}
}  // namespace

std::string response_head(const Response& r, const HeadFields& f) {
  std::string out;
  size_t need = 160 + f.date.size() + f.request_id.size() + f.host_id.size() + r.content_type.size();
  for (const auto& [k, v] : r.headers) need += k.size() + v.size() + 4;
  out.reserve(need);
  char num[24];
  auto [end, ec] = std::to_chars(num, num + sizeof num, r.status);
  (void)ec;  // an int always fits
  out.append(f.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(num, end).append(" ");
  out.append(std::string_view(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(r.status))));
  out.append("\r\n");
  field(out, "Server", "silt");
  field(out, "Date", f.date);
  field(out, "x-amz-request-id", f.request_id);
  field(out, "x-amz-id-2", f.host_id);
  for (const auto& [k, v] : r.headers) {
    // Only one Content-Type goes out: the body's own, when the response names one.
    if (!r.content_type.empty() && iequals(k, "Content-Type")) continue;
    field(out, k, v);
  }
  if (!r.content_type.empty()) field(out, "Content-Type", r.content_type);
  // HTTP/1.1 keeps a connection unless told; HTTP/1.0 closes one unless told.
  if (f.version == 11 && !f.keep_alive) field(out, "Connection", "close");
  if (f.version == 10 && f.keep_alive) field(out, "Connection", "keep-alive");
  if (f.content_length) {
    auto [e, ec2] = std::to_chars(num, num + sizeof num, *f.content_length);
    (void)ec2;
    field(out, "Content-Length", std::string_view(num, static_cast<size_t>(e - num)));
  }
  out.append("\r\n");
  return out;
}

}  // namespace silt::server
