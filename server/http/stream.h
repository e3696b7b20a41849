// A connection's byte stream: plain TCP, or TLS over TCP when the server has certificates.
// Session reads and writes through it with one code path; only the handshake and the
// close differ, and those are here.
#pragma once

#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
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

#include "server/http/tls_records.h"

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

  // AsyncReadStream / AsyncWriteStream, for Beast's HTTP reads and writes. Each call erases its
  // buffers and handler and goes through read_some/write_some below, so the TCP and TLS
  // operations are compiled once, in stream.cpp, instead of under every Beast operation that
  // reads or writes here (docs/performance.md, "Build time").
  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, Signature>(
        [this](auto handler, const MutableBufferSequence& b) {
          read_some(BufferList<boost::asio::mutable_buffer>(b), erase(std::move(handler)));
        },
        token, buffers);
  }
  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, Signature>(
        [this](auto handler, const ConstBufferSequence& b) {
          write_some(BufferList<boost::asio::const_buffer>(b), erase(std::move(handler)));
        },
        token, buffers);
  }

 private:
  // A buffer sequence held by value: the first kMaxBuffers non-empty buffers of another one.
  // Fewer buffers than given is a shorter read or write, which *_some may always do.
  template <class Buffer>
  class BufferList {
   public:
    static constexpr size_t kMaxBuffers = 16;
    template <class Sequence>
    explicit BufferList(const Sequence& seq) {
      auto end = boost::asio::buffer_sequence_end(seq);
      for (auto it = boost::asio::buffer_sequence_begin(seq); it != end && count_ < kMaxBuffers; ++it)
        if (Buffer b(*it); b.size() > 0) items_[count_++] = b;
    }
    const Buffer* begin() const { return items_.data(); }
    const Buffer* end() const { return items_.data() + count_; }

   private:
    std::array<Buffer, kMaxBuffers> items_{};
    size_t count_ = 0;
  };

  using Signature = void(boost::beast::error_code, std::size_t);
  // The caller's handler behind one type. Bound to the connection's executor: Beast's
  // tcp_stream completes through the handler's executor with blocking.never, which Boost
  // 1.81's any_completion_executor cannot take. The handler's cancellation slot and allocator
  // still apply (any_completion_handler forwards them).
  using Handler = boost::asio::executor_binder<boost::asio::any_completion_handler<Signature>, executor_type>;

  // The one instance of each operation, over TCP or TLS. handler runs on the connection's
  // executor once the operation completes, with what async_read_some/async_write_some give.
  // TLS writes after the handshake go out as one batch of records per socket write (batch_).
  void read_some(const BufferList<boost::asio::mutable_buffer>& buffers, Handler handler);
  void write_some(const BufferList<boost::asio::const_buffer>& buffers, Handler handler);

  // The caller's executor is the connection's: sessions run their coroutines on get_executor().
  template <class H>
  Handler erase(H handler) {
    return boost::asio::bind_executor(get_executor(),
                                      boost::asio::any_completion_handler<Signature>(std::move(handler)));
  }
  boost::beast::tcp_stream& lowest();

  std::shared_ptr<boost::asio::ssl::context> context_;
  std::variant<boost::beast::tcp_stream, TlsStream> s_;
  bool handshake_done_ = false;
  TlsRecordBatch batch_;  // TLS only; empty between writes
};

}  // namespace silt::server
