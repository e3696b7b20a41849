#include "client/connection.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace silt::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr size_t kBodyPiece = 256 * 1024;  // one read of a body

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

}  // namespace

Connection::Connection(Endpoint ep, TlsOptions tls, std::chrono::milliseconds timeout)
    : ep_(std::move(ep)), tls_(std::move(tls)), timeout_(timeout), body_buf_(kBodyPiece) {}

Connection::~Connection() {
  close();
}

beast::tcp_stream& Connection::tcp() {
  return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *tcp_stream_;
}

void Connection::arm() {
  if (timeout_.count() > 0)
    tcp().expires_after(timeout_);
  else
    tcp().expires_never();
}

template <class Start>
boost::system::error_code Connection::run(Start&& start) {
  boost::system::error_code result;
  start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  io_.restart();
  io_.run();
  return result;
}

s3::Error Connection::fail(std::string_view step, const boost::system::error_code& ec) {
  close();
  return s3::Error(s3::Code::InternalError, std::string(step) + ": " + ec.message());
}

void Connection::close() {
  boost::system::error_code ignored;
  // The answers are framed by Content-Length; a close_notify exchange would add nothing.
  if (tcp_stream_ || tls_stream_) tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  tls_stream_.reset();
  tcp_stream_.reset();
  rx_.clear();
  open_ = false;
}

s3::Status Connection::connect() {
  close();
  if (ep_.tls && !tls_ctx_) {
    auto ctx = make_tls_context(tls_);
    if (!ctx) return ctx.error();
    tls_ctx_ = std::move(*ctx);
  }
  tcp_stream_.emplace(io_);

  asio::ip::tcp::resolver resolver(io_);
  asio::ip::tcp::resolver::results_type results;
  arm();
  boost::system::error_code ec = run([&](auto handler) {
    resolver.async_resolve(ep_.host, ep_.port, [&results, handler](boost::system::error_code e, auto found) mutable {
      results = std::move(found);
      handler(e);
    });
  });
  if (ec) return fail("cannot resolve " + ep_.host, ec);
  arm();
  ec = run([&](auto handler) { tcp_stream_->async_connect(results, handler); });
  if (ec) return fail("cannot connect to " + ep_.host_header, ec);
  tcp_stream_->socket().set_option(asio::ip::tcp::no_delay(true), ec);

  if (ep_.tls) {
    tls_stream_.emplace(std::move(*tcp_stream_), *tls_ctx_);
    tcp_stream_.reset();
    // SNI names a host, never an address; the certificate must name the one we dialled.
    if (!is_ip_address(ep_.host)) SSL_set_tlsext_host_name(tls_stream_->native_handle(), ep_.host.c_str());
    if (!tls_.insecure) tls_stream_->set_verify_callback(asio::ssl::host_name_verification(ep_.host));
    arm();
    ec = run([&](auto handler) { tls_stream_->async_handshake(asio::ssl::stream_base::client, handler); });
    if (ec) return fail("TLS handshake with " + ep_.host_header + " failed", ec);
  }
  open_ = true;
  return {};
}

s3::Status Connection::write_head(std::string_view method, std::string_view target, const Headers& headers,
                                  std::optional<uint64_t> content_length) {
  if (has_line_break(method) || has_line_break(target))
    return s3::Error(s3::Code::InternalError, "a request line may not hold CR or LF");
  std::string head;
  head.reserve(512);
  head.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : headers) {
    if (has_line_break(name) || has_line_break(value))
      return s3::Error(s3::Code::InternalError, "header " + name + " may not hold CR or LF");
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (content_length) head.append("content-length: ").append(std::to_string(*content_length)).append("\r\n");
  head.append("\r\n");
  return write(head);
}

s3::Status Connection::write(std::string_view bytes) {
  asio::const_buffer one = asio::buffer(bytes);
  return write(std::span<const asio::const_buffer>(&one, 1));
}

s3::Status Connection::write(std::span<const asio::const_buffer> buffers) {
  if (!open_) return s3::Error(s3::Code::InternalError, "cannot send to " + ep_.host_header + ": not connected");
  arm();
  auto ec = run([&](auto handler) { on_stream([&](auto& s) { asio::async_write(s, buffers, handler); }); });
  if (ec) return fail("cannot send to " + ep_.host_header, ec);
  return {};
}

s3::Result<Response> Connection::read_response(const BodyLimits& limits) {
  if (!open_) return s3::Error(s3::Code::InternalError, "no answer from " + ep_.host_header + ": not connected");
  http::response_parser<http::buffer_body> parser;
  if (limits.max_body != std::numeric_limits<uint64_t>::max())
    parser.body_limit(limits.max_body);
  else
    parser.body_limit(boost::none);
  arm();
  auto ec = run([&](auto handler) { on_stream([&](auto& s) { http::async_read_header(s, rx_, parser, handler); }); });
  if (ec) return fail("no answer from " + ep_.host_header, ec);

  Response r;
  r.status = parser.get().result_int();
  const size_t keep = r.status >= 200 && r.status < 300 ? limits.keep : limits.keep_error;
  while (!parser.is_done()) {
    parser.get().body().data = body_buf_.data();
    parser.get().body().size = body_buf_.size();
    arm();
    ec = run([&](auto handler) { on_stream([&](auto& s) { http::async_read(s, rx_, parser, handler); }); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return fail("no answer from " + ep_.host_header, ec);
    size_t got = body_buf_.size() - parser.get().body().size;
    r.body_bytes += got;
    if (r.body.size() < keep) r.body.append(body_buf_.data(), std::min(got, keep - r.body.size()));
  }
  if (!parser.keep_alive()) close();
  return r;
}

}  // namespace silt::client
