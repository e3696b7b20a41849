// One keep-alive HTTP/1.1 connection to an S3 endpoint that signs every request with SigV4
// (header auth, path-style), streams generated PUT bodies and counts GET bodies without keeping them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/payload.h"

namespace silt::bench {

struct Endpoint {
  std::string host = "127.0.0.1";
  std::string port = "9000";
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  bool tls = false;       // https
  std::string ca_bundle;  // https: PEM file of trusted CAs; empty: the system's
  bool insecure = false;  // https: accept any certificate
  std::string host_header() const { return host + ":" + port; }
};

// How a PUT body is protected (x-amz-content-sha256).
enum class PayloadKind { Unsigned, Signed, Chunked };

struct Response {
  unsigned status = 0;
  uint64_t body_bytes = 0;
  std::string body;   // kept when asked, and for every error status (first 4 KiB)
  std::string error;  // transport failure; status is 0 then
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  std::string describe() const;
};

class S3Client {
 public:
  S3Client(const Endpoint& ep, Payload& payload);

  // target: raw request-target, already percent-encoded ("/b/k?x=1").
  Response put_object(const std::string& target, uint64_t size, PayloadKind kind);
  Response get(const std::string& target, std::string_view range = {}, bool keep_body = false);
  Response put_empty(const std::string& target);  // CreateBucket

 private:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  Response exchange(std::string_view method, const std::string& target, Headers headers, uint64_t size,
                    PayloadKind kind, bool keep_body);
  void send(std::string_view method, const std::string& target, Headers& headers, uint64_t size, PayloadKind kind);
  Response receive(bool keep_body);
  void connect();
  // f applied to the connection: the TLS stream over sock_, or sock_ itself.
  template <class F>
  decltype(auto) on_stream(F&& f) {
    if (tls_) return f(*tls_);
    return f(sock_);
  }

  const Endpoint& ep_;
  Payload& payload_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket sock_;
  std::unique_ptr<boost::asio::ssl::context> tls_ctx_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::beast::flat_buffer rx_;
  std::vector<char> body_buf_;
  bool connected_ = false;
};

}  // namespace silt::bench
