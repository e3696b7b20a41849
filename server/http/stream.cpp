#include "server/http/stream.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace silt::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

// Long enough for a close_notify to leave a healthy connection, short enough that a client
// which stopped reading does not hold the socket.
constexpr auto kCloseTimeout = std::chrono::seconds(5);

std::variant<beast::tcp_stream, Stream::TlsStream> make_stream(tcp::socket socket, asio::ssl::context* tls) {
  if (tls)
    return std::variant<beast::tcp_stream, Stream::TlsStream>(std::in_place_type<Stream::TlsStream>, std::move(socket),
                                                              *tls);
  return std::variant<beast::tcp_stream, Stream::TlsStream>(std::in_place_type<beast::tcp_stream>, std::move(socket));
}

}  // namespace

Stream::Stream(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls)
    : context_(std::move(tls)), s_(make_stream(std::move(socket), context_.get())) {}

beast::tcp_stream& Stream::lowest() {
  return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, s_);
}

void Stream::read_some(const BufferList<asio::mutable_buffer>& buffers, Handler handler) {
  batch_.release();  // reading: the response is out, its batch memory can go
  std::visit([&](auto& s) { s.async_read_some(buffers, std::move(handler)); }, s_);
}

void Stream::write_some(const BufferList<asio::const_buffer>& buffers, Handler handler) {
  if (auto* tls = std::get_if<TlsStream>(&s_); tls && handshake_done_) {
    if (size_t n = batch_.encrypt(tls->native_handle(), {buffers.begin(), buffers.end()}); n > 0) {
      auto slot = asio::get_associated_cancellation_slot(handler);
      // Reports n only once every record is on the socket: a shorter write would lose the
      // records after it, whose plaintext the SSL has already consumed.
      asio::async_write(lowest(), batch_.records(),
                        asio::bind_cancellation_slot(
                            slot, [this, n, handler = std::move(handler)](beast::error_code ec, size_t) mutable {
                              batch_.clear();
                              std::move(handler)(ec, ec ? 0 : n);
                            }));
      return;
    }
  }
  std::visit([&](auto& s) { s.async_write_some(buffers, std::move(handler)); }, s_);
}

asio::awaitable<bool> Stream::handshake(std::chrono::steady_clock::duration timeout) {
  auto* tls = std::get_if<TlsStream>(&s_);
  if (!tls) co_return true;
  expires_after(timeout);
  auto [ec] = co_await tls->async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    beast::error_code ignored;
    auto peer = socket().remote_endpoint(ignored);
    // Scanners, plain HTTP on this port and clients without a shared protocol are routine.
    spdlog::debug("TLS handshake with {}:{} failed: {}", peer.address().to_string(), peer.port(), ec.message());
    co_return false;
  }
  handshake_done_ = true;
  co_return true;
}

asio::awaitable<void> Stream::close(std::chrono::steady_clock::duration linger, asio::mutable_buffer scratch) {
  beast::error_code ignored;
  auto* tls = std::get_if<TlsStream>(&s_);
  if (tls && handshake_done_ && socket().is_open()) {
    // Marking the client's close_notify as received makes SSL_shutdown complete once ours is
    // written: an idle keep-alive client may never answer it.
    SSL_set_shutdown(tls->native_handle(), SSL_get_shutdown(tls->native_handle()) | SSL_RECEIVED_SHUTDOWN);
    expires_after(kCloseTimeout);
    co_await tls->async_shutdown(asio::as_tuple(asio::use_awaitable));
  }
  socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (linger.count() > 0 && scratch.size() > 0 && socket().is_open()) {
    // Below TLS on purpose: after close_notify the client's records are only bytes to discard.
    auto& tcp = lowest();
    tcp.expires_after(linger);
    for (size_t drained = 0; drained < kLingerBytes;) {
      auto [ec, n] = co_await tcp.async_read_some(scratch, asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      drained += n;
    }
  }
  socket().close(ignored);
}

}  // namespace silt::server
