// One HTTP/1.1 connection from a client to an S3 endpoint, plain or TLS, driven by blocking
// calls: connect, write a request (head, then body pieces), read the answer. Every step has
// a deadline when a timeout is given. Errors are values: a failed step closes the connection
// and says which step failed and why ("cannot connect to 127.0.0.1:1: Connection refused").
// Used by `silt admin` (one request per connection) and silt-bench (keep-alive, streamed
// bodies it generates, answers it counts without keeping).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/endpoint.h"
#include "client/signer.h"
#include "client/tls_context.h"
#include "common/error.h"

namespace silt::client {

// What read_response keeps of a body; the rest is read, counted and dropped.
struct BodyLimits {
  uint64_t max_body = std::numeric_limits<uint64_t>::max();  // a longer body fails the read
  size_t keep = std::numeric_limits<size_t>::max();          // of a 2xx answer
  size_t keep_error = std::numeric_limits<size_t>::max();    // of any other
};

struct Response {
  unsigned status = 0;
  uint64_t body_bytes = 0;  // the whole body's length, kept or not
  std::string body;         // its first bytes, as BodyLimits allows
};

class Connection {
 public:
  // timeout: the deadline of each step (resolve, connect, handshake, each write, each read);
  // zero: none. https endpoints are checked as tls says.
  Connection(Endpoint ep, TlsOptions tls, std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Resolves, connects (TCP_NODELAY) and, for https, handshakes: SNI for a host name, the
  // certificate checked to name the host dialled unless insecure. Closes any open connection
  // first.
  s3::Status connect();
  bool is_open() const { return open_; }
  void close();

  // Writes "METHOD target HTTP/1.1", the headers and, when content_length is given, a
  // content-length header. A header name or value holding CR or LF is refused unsent.
  s3::Status write_head(std::string_view method, std::string_view target, const Headers& headers,
                        std::optional<uint64_t> content_length);
  // Writes all of the buffers (a body, or a piece of one).
  s3::Status write(std::span<const boost::asio::const_buffer> buffers);
  s3::Status write(std::string_view bytes);

  // Reads one answer. A connection the server will not keep alive is closed afterwards.
  s3::Result<Response> read_response(const BodyLimits& limits = {});

 private:
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  boost::beast::tcp_stream& tcp();
  void arm();  // starts the deadline of the next step
  s3::Error fail(std::string_view step, const boost::system::error_code& ec);
  // Runs one asynchronous operation to completion: start(handler) begins it.
  template <class Start>
  boost::system::error_code run(Start&& start);
  // f applied to the TLS stream, or to the TCP stream of an http connection.
  template <class F>
  decltype(auto) on_stream(F&& f) {
    if (tls_stream_) return f(*tls_stream_);
    return f(*tcp_stream_);
  }

  Endpoint ep_;
  TlsOptions tls_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  std::shared_ptr<boost::asio::ssl::context> tls_ctx_;  // made on the first https connect
  std::optional<boost::beast::tcp_stream> tcp_stream_;
  std::optional<TlsStream> tls_stream_;
  boost::beast::flat_buffer rx_;
  std::vector<char> body_buf_;
  bool open_ = false;
};

}  // namespace silt::client
