#include "server/http/session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>

#include "object/splice_source.h"
#include "server/http/blocking.h"
#include "server/http/exception_boundary.h"
#include "server/http/header_guard.h"
#include "server/http/reader_wait.h"
#include "server/http/response_head.h"
#include "server/http/session_registry.h"
#include "server/ops/admin.h"
#include "server/ops/metrics.h"
#include "server/ops/metrics_endpoint.h"
#include "server/ops/own_context.h"
#include "server/s3/access_check.h"
#include "server/s3/cors.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/router.h"
#include "util/time.h"

namespace silt::server {

namespace beast = boost::beast;
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

namespace {
// Beast reads at most the read buffer's free capacity (and at least 512 bytes): left at
// what the request head needed, a body arrived 512 bytes per recvmsg, and a 1 GiB PUT cost
// two million syscalls and coroutine resumptions. 64 KiB is the most Beast reads at once.
constexpr size_t kReadBuffer = 64 * 1024;
// Past one read's worth the buffer holds only a line Beast is still waiting to see end (a
// chunk-size line with its extensions, or a trailer section): 64 KiB of it is hostile.
constexpr size_t kMaxReadBuffer = kReadBuffer;
static_assert(kMaxReadBuffer >= RequestParser::kHeaderLimit, "a whole request head must fit in the read buffer");
// After an error answered before the request was read to its end, how long the client may
// go on sending (discarded) before the connection is cut.
constexpr auto kLinger = 2s;
constexpr size_t kAdminBodyLimit = 64 * 1024;  // admin calls take small JSON documents
constexpr auto tuple_awaitable = asio::as_tuple(use_awaitable);

bool expects_continue(const http::request_header<>& h) {
  return beast::iequals(h[http::field::expect], "100-continue");
}

// The client's address as aws:SourceIp and the console's sign-in limits see it: IPv4
// clients as IPv4 even on a dual-stack listener.
std::string source_address(const asio::ip::tcp::endpoint& remote) {
  auto peer = remote.address();
  return peer.is_v6() && peer.to_v6().is_v4_mapped()
             ? asio::ip::make_address_v4(asio::ip::v4_mapped, peer.to_v6()).to_string()
             : peer.to_string();
}
}  // namespace

// The request body as Beast's parser delivers it (Content-Length or chunked).
class Session::ParserBody : public RawBodySource {
 public:
  ParserBody(Session& s, Parser& p) : s_(s), p_(p) {}
  awaitable<s3::Result<size_t>> read_some(char* buf, size_t n) override {
    if (done()) co_return size_t{0};
    if (!decided_) {
      decided_ = true;
      if (auto len = p_.content_length_remaining(); len && !p_.chunked()) left_ = *len;
      if (p_.chunked())
        if (auto st = co_await read_at_least(RequestParser::kChunkedBodyFirstBytes); !st) co_return st.error();
    }
    if (left_) co_return co_await read_direct(buf, std::min<uint64_t>(n, *left_));
    p_.get().body().data = buf;
    p_.get().body().size = n;
    s_.stream_.expires_after(s_.io_timeout_);
    auto [ec, ignored] = co_await http::async_read_some(s_.stream_, s_.buffer_, p_, tuple_awaitable);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == beast::error::timeout)
      co_return s3::Error(
          s3::Code::RequestTimeout,
          "Your socket connection to the server was not read from or written to within the timeout period.");
    if (ec == http::error::buffer_overflow)
      co_return s3::Error(s3::Code::InvalidRequest,
                          "A chunk-size line, chunk extension or trailer section of the chunked request body is "
                          "longer than " +
                              std::to_string(kMaxReadBuffer / 1024) + " KiB.");
    if (ec == http::error::header_limit && p_.too_many_fields())
      co_return s3::Error(s3::Code::InvalidRequest, "The chunked request body has more than " +
                                                        std::to_string(RequestParser::kMaxTrailerFields) +
                                                        " trailer fields.");
    if (ec) co_return s3::Error(s3::Code::IncompleteBody, "The request body could not be read: " + ec.message());
    s_.rec_.bytes_in += n - p_.get().body().size;
    co_return n - p_.get().body().size;
  }
  bool done() const override { return p_.is_done() || (left_ && *left_ == 0); }

 private:
  // A Content-Length body bypasses Beast's parser: it would recv into the session's
  // buffer (64 KiB at most per call) and copy from there into buf. Bytes that came
  // with the head are taken from that buffer first; nothing past the body is read.
  awaitable<s3::Result<size_t>> read_direct(char* buf, size_t want) {
    size_t got = 0;
    if (s_.buffer_.size() > 0) {
      got = std::min(want, s_.buffer_.size());
      std::memcpy(buf, s_.buffer_.data().data(), got);
      s_.buffer_.consume(got);
    } else {
      s_.stream_.expires_after(s_.io_timeout_);
      auto [ec, m] = co_await s_.stream_.async_read_some(asio::buffer(buf, want), tuple_awaitable);
      if (ec == beast::error::timeout)
        co_return s3::Error(
            s3::Code::RequestTimeout,
            "Your socket connection to the server was not read from or written to within the timeout period.");
      if (ec) co_return s3::Error(s3::Code::IncompleteBody, "The request body could not be read: " + ec.message());
      got = m;
    }
    *left_ -= got;
    if (*left_ == 0) s_.body_done_ = true;
    s_.rec_.bytes_in += got;
    co_return got;
  }

  // Reads into the session's buffer, past what it holds, until it holds n bytes.
  awaitable<s3::Status> read_at_least(size_t n) {
    while (s_.buffer_.size() < n) {
      s_.stream_.expires_after(s_.io_timeout_);
      auto [ec, m] =
          co_await s_.stream_.async_read_some(s_.buffer_.prepare(kReadBuffer - s_.buffer_.size()), tuple_awaitable);
      if (ec == beast::error::timeout)
        co_return s3::Error(
            s3::Code::RequestTimeout,
            "Your socket connection to the server was not read from or written to within the timeout period.");
      if (ec) co_return s3::Error(s3::Code::IncompleteBody, "The request body could not be read: " + ec.message());
      s_.buffer_.commit(m);
    }
    co_return s3::Status{};
  }

  Session& s_;
  Parser& p_;
  bool decided_ = false;
  std::optional<uint64_t> left_;  // set: Content-Length bytes still to read, straight from the socket
};

std::string next_request_id(SessionShared& shared) {
  char buf[17];
  uint64_t n = shared.request_id_seed + shared.next_request.fetch_add(1);
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(n));
  return buf;
}

Session::Session(asio::ip::tcp::socket socket, SessionShared& shared, std::shared_ptr<asio::ssl::context> tls,
                 ConnectionLimiter::Slot slot)
    : stream_(std::move(socket), std::move(tls)),
      buffer_(kMaxReadBuffer),
      shared_(shared),
      idle_timeout_(shared.services.config.idle_timeout_s),
      io_timeout_(shared.services.config.io_timeout_s),
      slot_(std::move(slot)) {
  buffer_.reserve(kReadBuffer);
}

void Session::close_if_idle() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->idle_) self->stream_.socket().close();
  });
}

awaitable<void> Session::run() {
  SessionRegistry::Registration registered(shared_.registry, shared_from_this());
  beast::error_code peer_ec;
  rec_.remote = stream_.socket().remote_endpoint(peer_ec);
  // The TLS handshake is bounded like a request head; a failed one just closes.
  for (bool ready = co_await stream_.handshake(idle_timeout_); ready;) {
    Parser parser;
    idle_ = true;
    if (shared_.stopping) break;
    // One deadline for the whole head: a client dripping it byte by byte is cut off.
    stream_.expires_after(idle_timeout_);
    auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, tuple_awaitable);
    idle_ = false;
    if (ec) {
      co_await reject_head(parser, ec);
      break;
    }
    if (!co_await serve_one(parser)) break;
  }
  buffer_.clear();
  co_await stream_.close(unread_input_ ? std::chrono::steady_clock::duration(kLinger) : std::chrono::seconds(0),
                         buffer_.prepare(buffer_.max_size()));
}

awaitable<void> Session::reject_head(const Parser& parser, beast::error_code ec) {
  // Nothing of a next request arrived (idle keep-alive, or the client closed): just close.
  if (buffer_.size() == 0 && (ec == beast::error::timeout || ec == http::error::end_of_stream)) co_return;
  std::optional<s3::Error> err;
  if (ec == http::error::header_limit && parser.too_many_fields()) {
    err = s3::Error(s3::Code::RequestHeaderSectionTooLarge,
                    "Your request header section exceeds the maximum allowed size: more than " +
                        std::to_string(RequestParser::kMaxHeaderFields) + " header fields.");
  } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    err = s3::Error(s3::Code::RequestHeaderSectionTooLarge,
                    "Your request header section exceeds the maximum allowed size.");
  } else if (ec == beast::error::timeout) {
    err = s3::Error(s3::Code::RequestTimeout,
                    "Your socket connection to the server was not read from or written to within the timeout period.");
  } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    err = s3::Error(s3::Code::InvalidRequest, "The HTTP request could not be parsed: " + ec.message());
  }
  if (!err) co_return;  // the connection failed: nobody to answer
  // The rest of the head may still be on its way.
  unread_input_ = true;
  std::string request_id = next_request_id();
  rec_.begin(request_id, "", "", "");
  rec_.error = s3::code_name(err->code);
  Response r = error_response(*err, "", request_id, shared_.host_id, false);
  rec_.status = r.status;
  co_await write(r, 11, false, request_id);
  record_request(shared_.services, rec_);
}

awaitable<bool> Session::serve_one(Parser& parser) {
  const auto& hdr = parser.get();
  std::string request_id = next_request_id();
  continued_ = false;
  body_done_ = false;
  std::string resource(hdr.target().substr(0, hdr.target().find('?')));
  rec_.begin(request_id, hdr.method_string(), hdr.target(), hdr[http::field::user_agent]);

  // The one exception boundary (server/http/exception_boundary.h): a handler that throws is a
  // bug, answered 500 and the connection closed, since its body may be half read.
  auto dispatched =
      co_await contain_exception(dispatch(parser, request_id, resource), shared_.services.metrics, request_id);
  const bool threw = !dispatched;
  if (threw) {
    rec_.error = s3::code_name(s3::Code::InternalError);
    dispatched =
        error_response(s3::Error(s3::Code::InternalError, "We encountered an internal error. Please try again."),
                       resource, request_id, shared_.host_id, hdr.method() == http::verb::head);
  }
  Response& r = *dispatched;
  rec_.status = r.status;

  // A body we did not read cannot be skipped reliably, and a client still waiting
  // for 100 Continue may send its body anyway: either way the connection ends here.
  const bool body_read = parser.is_done() || body_done_;
  bool keep_alive =
      !threw && hdr.keep_alive() && body_read && !shared_.stopping && (continued_ || !expects_continue(hdr));
  unread_input_ = !body_read;
  bool ok = co_await write(r, hdr.version(), keep_alive, request_id);
  record_request(shared_.services, rec_);
  const bool again = ok && keep_alive;
  co_return again;
}

awaitable<Response> Session::dispatch(Parser& parser, const std::string& request_id, std::string& resource) {
  const auto& hdr = parser.get();
  bool head = hdr.method() == http::verb::head;
  auto fail = [&](const s3::Error& e) {
    rec_.error = s3::code_name(e.code);
    return error_response(e, resource, request_id, shared_.host_id, head);
  };
  auto& svc = shared_.services;
  ParserBody raw(*this, parser);

  // silt's own endpoints, by path: never parsed as S3 requests.
  if (const Endpoint* own = route_own(hdr.method(), hdr.target(), shared_.console != nullptr)) {
    rec_.operation = own->operation;
    if (own->auth == Auth::AdminSigned) co_return co_await serve_admin(*own, hdr, raw, fail);
    if (own->auth == Auth::MetricsToken)
      if (auto st = check_metrics_token(hdr, svc.config); !st) co_return fail(st.error());
    // The console reads its sign-in body itself.
    if (own->auth == Auth::ConsoleSession)
      if (auto st = co_await send_continue(hdr); !st) co_return fail(st.error());
    const std::string source = source_address(rec_.remote);
    OwnContext ctx{hdr, raw, svc, shared_.console, shared_.stopping, is_tls(), source};
    auto r = co_await own->handler.own(ctx);
    if (!r) co_return fail(r.error());
    co_return std::move(*r);
  }

  auto parsed = parse_s3_request(hdr, svc.config.domain);
  if (!parsed) co_return fail(parsed.error());
  S3Request& req = *parsed;
  resource = req.resource();
  rec_.bucket = req.bucket;
  rec_.key = req.key;
  req.source_ip = source_address(rec_.remote);
  req.secure_transport = is_tls();

  // Routed before authentication only to name the operation of a refused request.
  const Routed rt = route(req);
  const Endpoint* ep = rt.endpoint;
  if (ep) rec_.operation = ep->operation;
  auth::Identity id;  // FormPolicy: anonymous here, the form's own signature is checked by its handler
  if (ep && ep->auth == Auth::None) {
    // A preflight: no credentials, no body.
    BodyReader none(raw, req, id);
    RequestContext ctx{req, id, none, svc, &shared_.credentials, ep};
    auto r = co_await ep->handler.s3(ctx);
    if (!r) co_return fail(r.error());
    co_return std::move(*r);
  }
  if (!ep || ep->auth == Auth::Signed) {
    auto signed_id = authenticate(hdr, true, req.virtual_host ? std::string_view(req.bucket) : std::string_view());
    if (!signed_id) co_return fail(signed_id.error());
    id = std::move(*signed_id);
    rec_.user = id.access_key;
    // Unrouted and refused requests are answered after authentication, as AWS answers them.
    if (!rt.error) co_return fail(rt.error.error());
    // Before 100 Continue: a client that may not write here never sends its body.
    if (auto st = co_await authorize(svc, id, req, *ep); !st) co_return fail(st.error());
  }

  // A frozen server (a migration's last pass) refuses writes, admitted ones count until done.
  auto pass = svc.freeze->admit(hdr.method());
  if (!pass) co_return fail(pass.error());
  BodyReader body(raw, req, id);
  if (auto st = body.prepare(); !st) co_return fail(st.error());
  // Only now, with the request admitted, does the client get to send its body.
  if (auto st = co_await send_continue(hdr); !st) co_return fail(st.error());
  RequestContext ctx{req, id, body, svc, &shared_.credentials, ep};
  auto result = co_await ep->handler.s3(ctx);
  const bool missing = !result && result.error().code == s3::Code::NoSuchKey;
  const bool read = hdr.method() == http::verb::get || hdr.method() == http::verb::head;
  if (missing && read) {
    auto may = co_await may_learn_absence(svc, id, req);
    if (!may) result = may.error();
  }
  co_return co_await finish(req, std::move(result), fail);
}

awaitable<Response> Session::serve_admin(const Endpoint& call, const http::request_header<>& hdr, RawBodySource& raw,
                                         const std::function<Response(const s3::Error&)>& fail) {
  auto id = authenticate(hdr);
  if (!id) co_return fail(id.error());
  rec_.user = id->access_key;
  auto& svc = shared_.services;
  if (id->user != svc.config.admin_user)
    co_return fail(s3::Error(s3::Code::AccessDenied, "Access Denied: the admin API is for the admin user only"));
  // The body goes through the same checks as an S3 body (x-amz-content-sha256 and the rest).
  auto admin_req = parse_s3_request(hdr, "");
  if (!admin_req) co_return fail(admin_req.error());
  BodyReader body(raw, *admin_req, *id);
  if (auto st = body.prepare(); !st) co_return fail(st.error());
  if (auto st = co_await send_continue(hdr); !st) co_return fail(st.error());
  auto text = co_await body.read_all(kAdminBodyLimit);
  if (!text) co_return fail(text.error());
  auto r = co_await run_blocking(
      svc.blocking, [&] { return run_admin(call.handler.admin, hdr.method_string(), hdr.target(), svc, *text); });
  if (!r) co_return fail(r.error());
  co_return std::move(*r);
}

s3::Result<auth::Identity> Session::authenticate(const http::request_header<>& hdr, bool allow_anonymous,
                                                 std::string_view vhost_bucket) {
  auth::RequestView view{hdr.method_string(), hdr.target(), {}, vhost_bucket};
  for (const auto& f : hdr) view.headers.emplace_back(f.name_string(), f.value());
  if (auth::is_anonymous(view)) {
    if (allow_anonymous) return auth::Identity{};
    return s3::Error(s3::Code::AccessDenied, "Access Denied");
  }
  return auth::authenticate(view, shared_.credentials, now_ms());
}

awaitable<s3::Status> Session::send_continue(const http::request_header<>& hdr) {
  // Sent even for an empty body: botocore 1.29 waits for it and, if the final status
  // comes first, misreads the next response on that pooled connection.
  if (!expects_continue(hdr)) co_return s3::Status{};
  http::response<http::empty_body> cont{http::status::continue_, hdr.version()};
  stream_.expires_after(io_timeout_);
  auto [ec, n] = co_await http::async_write(stream_, cont, tuple_awaitable);
  if (ec) co_return s3::Error(s3::Code::IncompleteBody, "connection lost");
  continued_ = true;
  co_return s3::Status{};
}

awaitable<Response> Session::finish(const S3Request& req, s3::Result<Response> result,
                                    const std::function<Response(const s3::Error&)>& fail) {
  if (!result) {
    if (result.error().code == s3::Code::NoSuchBucket) result.error().with("BucketName", req.bucket);
    if (result.error().code == s3::Code::NoSuchKey) result.error().with("Key", req.key);
  }
  Response r = result ? std::move(*result) : fail(result.error());
  if (!req.bucket.empty() && req.has_header("origin")) co_await add_cors_headers(req, r);
  co_return r;
}

awaitable<void> Session::add_cors_headers(const S3Request& req, Response& r) {
  auto rules = co_await handlers::bucket_cors_rules(shared_.services, req.bucket);
  if (!rules) co_return;
  auto origin = req.header_value("origin");
  if (const CorsRule* rule = match_cors(*rules, origin, req.header->method_string(), ""))
    for (auto& [k, v] : cors_headers(*rule, origin, false, "")) r.add(std::move(k), std::move(v));
}

awaitable<bool> Session::write(Response& r, unsigned version, bool keep_alive, const std::string& request_id) {
  // Beast writes header bytes as given: a CR LF that got past the handlers would split the response.
  if (auto bad = unsafe_header(r)) {
    spdlog::error("{}: response header {} breaks HTTP's field grammar; answering 500 instead", request_id, *bad);
    if (r.stream) co_await run_blocking(shared_.services.blocking, [&] { r.stream.reset(); });
    r = error_response(s3::Error(s3::Code::InternalError, "We encountered an internal error. Please try again."), "",
                       request_id, shared_.host_id, r.length_only);
    rec_.status = r.status;
    rec_.error = s3::code_name(s3::Code::InternalError);
  }
  add_browser_defaults(r);
  if (r.stream) co_return co_await write_stream(r, version, keep_alive, request_id);
  const bool body = !r.length_only && r.status != 204 && r.status != 304;
  std::optional<uint64_t> length;
  if (r.length_only)
    length = r.stream_length;  // HEAD: announce the object's length, send nothing
  else if (body)
    length = r.body.size();
  const std::string date = http_date(now_ms());
  const std::string head = response_head(r, {version, keep_alive, date, request_id, shared_.host_id, length});
  // Head and body in one write (one TCP segment for a small body).
  const std::array<asio::const_buffer, 2> out{asio::buffer(head), body ? asio::buffer(r.body) : asio::const_buffer()};
  stream_.expires_after(io_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, out, tuple_awaitable);
  if (!ec && body) rec_.bytes_out += r.body.size();
  co_return !ec;
}

awaitable<bool> Session::write_stream(Response& r, unsigned version, bool keep_alive, const std::string& request_id) {
  const std::string date = http_date(now_ms());
  const std::string head = response_head(r, {version, keep_alive, date, request_id, shared_.host_id, r.stream_length});
  stream_.expires_after(io_timeout_);
  if (auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(head), tuple_awaitable); ec) co_return false;

  // While one buffer goes out on the socket, the blocking pool decodes the next.
  auto& pool = shared_.services.blocking;
  struct Chunk {
    BufferPool::Buffer mem;
    size_t size = 0;
  };
  auto prepare = [&](Chunk& buf, uint64_t remaining) {
    if (!buf.mem) buf.mem = shared_.services.buffers->take();
    buf.size = static_cast<size_t>(std::min<uint64_t>(remaining, BufferPool::kBufferSize));
  };
  // One read into buf after its first `filled` bytes; adds what it got to filled.
  auto read_some = [&](Chunk& buf, size_t& filled) -> s3::Status {
    auto got = r.stream->read(buf.mem.data() + filled, buf.size - filled);
    if (!got) return got.error();
    if (*got == 0) return s3::Error(s3::Code::InternalError, "object shorter than its index entry");
    filled += *got;
    return {};
  };
  // Blocking: fills buf from its first `filled` bytes on with the next bytes of the body.
  auto fill_from = [&](Chunk& buf, size_t filled) -> s3::Status {
    while (filled < buf.size)
      if (auto st = read_some(buf, filled); !st) return st;
    return {};
  };
  auto fill = [&](Chunk& buf, uint64_t remaining) -> s3::Status {
    prepare(buf, remaining);
    return fill_from(buf, 0);
  };
  // A reader that tells when its bytes are there (server/http/reader_wait.h) is read here
  // once they are, so no blocking thread sleeps while the network answers; any other on
  // the blocking pool.
  auto load = [&](Chunk& buf, uint64_t remaining) -> awaitable<s3::Status> {
    prepare(buf, remaining);
    size_t filled = 0;
    while (filled < buf.size) {
      if (co_await until_readable(*r.stream) == ObjectReader::Wait::Unsupported)
        co_return co_await run_blocking(pool, [&] { return fill_from(buf, filled); });
      if (auto st = read_some(buf, filled); !st) co_return st;
    }
    co_return s3::Status{};
  };
  // The body goes out as it is: a Content-Length body has no framing of its own.
  auto send = [&](Chunk& buf) -> awaitable<s3::Status> {
    stream_.expires_after(io_timeout_);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(buf.mem.data(), buf.size), tuple_awaitable);
    if (ec) co_return s3::Error(s3::Code::RequestTimeout, ec.message());
    rec_.bytes_out += buf.size;
    co_return s3::Status{};
  };

  Chunk cur, next;
  uint64_t remaining = r.stream_length;
  s3::Status st;
  // Over plain http, verified blocks go from the page cache to the socket without a copy,
  // one pipeful at a time, for as long as the reader can (object/splice_source.h); the
  // first bytes it cannot splice (compressed, encrypted, a rebuilt stripe) and all after
  // them take the buffers below.
  bool buffered = false;  // cur holds the first bytes that could not be spliced
  auto* source = dynamic_cast<SpliceSource*>(r.stream.get());
  if (remaining && source && SplicePipe::enabled() && !stream_.is_tls() && pipe_.open()) {
    while (remaining > 0) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, pipe_.capacity()));
      // In the same trip to the pool, the buffer path takes over where splicing stops.
      size_t moved = co_await run_blocking(pool, [&] {
        size_t m = source->splice(pipe_.write_fd(), want);
        if (m == 0) {
          pipe_.discard();  // what a damaged block left there
          st = fill(cur, remaining);
        }
        return m;
      });
      if (moved == 0) {
        buffered = true;
        break;
      }
      if (!co_await pipe_.send(stream_.socket(), moved, io_timeout_)) {
        st = s3::Error(s3::Code::RequestTimeout, "client stopped taking the body");
        break;
      }
      remaining -= moved;
      rec_.bytes_out += moved;
      if (auto* m = shared_.services.metrics) m->count_zero_copy(moved);
    }
  }
  if (st && remaining && !buffered) st = co_await load(cur, remaining);
  while (st && remaining > 0) {
    remaining -= cur.size;
    if (remaining == 0) {
      st = co_await send(cur);
      break;
    }
    auto [sent, loaded] = co_await (send(cur) && load(next, remaining));
    st = !sent ? sent : loaded;
    std::swap(cur, next);
  }
  // A reader read to its end that can tell has nothing left to wait for when destroyed.
  if (st && r.stream->when_ready({}) == ObjectReader::Wait::Ready)
    r.stream.reset();
  else
    co_await run_blocking(pool, [&] { r.stream.reset(); });
  if (!st) {
    // Headers are gone already; the only honest signal left is a cut connection.
    spdlog::warn("{}: response body cut short: {}", request_id, st.error().message);
    co_return false;
  }
  co_return true;
}

}  // namespace silt::server
