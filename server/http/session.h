// One HTTP/1.1 connection: reads requests one after another (keep-alive),
// admits each through auth/, routes it, and writes the response, streaming
// bodies in both directions. Runs as a coroutine on the connection's strand.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "server/http/connection_limiter.h"
#include "server/http/request_parser.h"
#include "server/http/stream.h"
#include "server/http/zero_copy.h"
#include "server/ops/request_record.h"
#include "server/s3/handler.h"
#include "server/s3/router.h"

namespace silt::server {

class SessionRegistry;
class Console;

// Per-server state every session needs.
struct SessionShared {
  Services& services;
  const auth::CredentialStore& credentials;
  SessionRegistry& registry;
  std::atomic<bool> stopping{false};
  std::string host_id = {};  // x-amz-id-2
  std::atomic<uint64_t> next_request{0};
  uint64_t request_id_seed = 0;
  Console* console = nullptr;  // the web console (/_silt/console); null: none
};

// A new x-amz-request-id: 16 hex digits, unique within this process.
std::string next_request_id(SessionShared& shared);

class Session : public std::enable_shared_from_this<Session> {
 public:
  // tls: the context of a TLS connection (null: plain HTTP). slot: the connection's place
  // under the connection limits, given back when the session ends.
  Session(boost::asio::ip::tcp::socket socket, SessionShared& shared,
          std::shared_ptr<boost::asio::ssl::context> tls = nullptr, ConnectionLimiter::Slot slot = {});
  boost::asio::awaitable<void> run();
  Stream::executor_type stream_executor() { return stream_.get_executor(); }
  // The request came over TLS (aws:SecureTransport).
  bool is_tls() const { return stream_.is_tls(); }
  // Closes the connection if it is waiting for a next request (graceful stop).
  void close_if_idle();

 private:
  using Parser = RequestParser;
  class ParserBody;

  boost::asio::awaitable<bool> serve_one(Parser& parser);
  // A request head that could not be read: an S3 error before closing, or nothing.
  boost::asio::awaitable<void> reject_head(const Parser& parser, boost::beast::error_code ec);
  // Routes the request to its row of the endpoint table (server/s3/router.h), authenticates it
  // as the row says, authorizes it, and answers it with the row's function.
  boost::asio::awaitable<Response> dispatch(Parser& parser, const std::string& request_id, std::string& resource);
  // An admin API call: signed by the admin user; its body read whole (64 KiB at most) before
  // the call runs on the blocking pool.
  boost::asio::awaitable<Response> serve_admin(const Endpoint& call, const boost::beast::http::request_header<>& hdr,
                                               RawBodySource& raw,
                                               const std::function<Response(const s3::Error&)>& fail);
  // 100 Continue, once the request is admitted.
  boost::asio::awaitable<s3::Status> send_continue(const boost::beast::http::request_header<>& hdr);
  // SigV4/SigV2 in the header or the query; AccessDenied for anonymous requests.
  // allow_anonymous: an unsigned request yields an Identity with no access key (the
  // anonymous principal, decided on by authorize()); otherwise it is AccessDenied.
  // vhost_bucket: the bucket the Host header names under virtual-host addressing.
  s3::Result<auth::Identity> authenticate(const boost::beast::http::request_header<>& hdr, bool allow_anonymous = false,
                                          std::string_view vhost_bucket = {});
  // A handler's result as the response: error XML, error context, CORS headers.
  boost::asio::awaitable<Response> finish(const S3Request& req, s3::Result<Response> result,
                                          const std::function<Response(const s3::Error&)>& fail);
  // Sends r. A header that breaks HTTP's field grammar (server/http/header_guard.h) makes it a
  // logged 500 InternalError instead; every response gets the browser defaults.
  boost::asio::awaitable<bool> write(Response& r, unsigned version, bool keep_alive, const std::string& request_id);
  boost::asio::awaitable<bool> write_stream(Response& r, unsigned version, bool keep_alive,
                                            const std::string& request_id);
  std::string next_request_id() { return server::next_request_id(shared_); }
  boost::asio::awaitable<void> add_cors_headers(const S3Request& req, Response& r);

  Stream stream_;
  // Holds a request head, then only what Beast's parser has not consumed yet: a partial
  // chunk-size line or trailer section of a chunked body. Bounded (kMaxReadBuffer), so a
  // line that never ends fails the read instead of growing it.
  boost::beast::flat_buffer buffer_;
  SessionShared& shared_;
  std::atomic<bool> idle_{true};
  std::chrono::seconds idle_timeout_;  // between requests, and for a whole request head
  std::chrono::seconds io_timeout_;    // one stalled body read or write
  bool continued_ = false;             // this request's 100 Continue was sent
  bool body_done_ = false;             // this request's body was read to its end past the parser
  bool unread_input_ = false;          // closing with request bytes possibly unread: linger on close
  RequestRecord rec_;                  // the request being served, for metrics and the access log
  SplicePipe pipe_;                    // zero-copy bodies (plain http only), opened on first use
  ConnectionLimiter::Slot slot_;
};

}  // namespace silt::server
