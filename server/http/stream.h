// A connection's byte stream: plain TCP, or TLS over TCP when the server has certificates.
// Session reads and writes through it with one code path; only the handshake and the
// close differ, and those are here.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>
#include <variant>

namespace silt::server {

class Stream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // tls: the server context this connection handshakes with; null for plain HTTP. The
  // connection keeps it alive, so a certificate reload never pulls it from under it.
  Stream(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls);

  bool is_tls() const { return std::holds_alternative<TlsStream>(s_); }
  executor_type get_executor() { return lowest().get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return lowest().socket(); }
  // A deadline for the next operations, as beast::tcp_stream has it (they fail with beast::error::timeout).
  void expires_after(std::chrono::steady_clock::duration d) { lowest().expires_after(d); }

  // The server side of the TLS handshake within timeout (nothing for plain TCP). False when it
  // failed (plain HTTP sent to the TLS port, no shared protocol, timeout): logged at debug.
  boost::asio::awaitable<bool> handshake(std::chrono::steady_clock::duration timeout);
  // Ends the connection: TLS close_notify (not waiting for the client's), then FIN and close.
  // linger > 0: between FIN and close, reads and discards (into scratch) what the client
  // still sends, for at most linger and kLingerBytes or until it closes. A socket closed
  // with unread input sends a reset instead of a FIN, and a client still writing its body
  // then fails on the write and never reads the error response it was sent.
  boost::asio::awaitable<void> close(std::chrono::steady_clock::duration linger = {},
                                     boost::asio::mutable_buffer scratch = {});
  static constexpr size_t kLingerBytes = 8 << 20;

  // AsyncReadStream / AsyncWriteStream, for Beast's HTTP reads and writes.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          std::visit([&](auto& s) { s.async_read_some(b, std::move(handler)); }, s_);
        },
        token, buffers);
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          std::visit([&](auto& s) { s.async_write_some(b, std::move(handler)); }, s_);
        },
        token, buffers);
  }

 private:
  boost::beast::tcp_stream& lowest();

  std::shared_ptr<boost::asio::ssl::context> context_;
  std::variant<boost::beast::tcp_stream, TlsStream> s_;
  bool handshake_done_ = false;
};

}  // namespace silt::server
