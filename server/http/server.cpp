#include "server/http/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "server/http/connection_limiter.h"
#include "server/http/exception_boundary.h"
#include "server/http/session.h"
#include "server/http/session_registry.h"
#include "server/http/tls_certs.h"
#include "server/ops/access_log.h"
#include "server/ops/console.h"
#include "server/ops/metrics.h"
#include "server/s3/response.h"
#include "util/hash.h"
#include "util/time.h"

namespace silt::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

namespace http = boost::beast::http;

// Descriptors kept for everything but client connections: drives, the index, and the
// shard files of the requests in flight.
constexpr rlim_t kDescriptorReserve = 1024;
// A flood of refused connections is logged at most this often, with its count.
constexpr auto kRefusalLogPeriod = std::chrono::seconds(10);

// The whole 503 SlowDown response to a connection past a limit, as bytes.
std::string refusal_bytes(SessionShared& shared, ConnectionLimiter::Full full) {
  std::string request_id = next_request_id(shared);
  s3::Error err(s3::Code::SlowDown, full == ConnectionLimiter::Full::Total
                                        ? "Please reduce your request rate: the server holds all the connections "
                                          "it may (--max-connections)."
                                        : "Please reduce your request rate: your address holds all the connections "
                                          "it may (--max-connections-per-ip).");
  Response r = error_response(err, "", request_id, shared.host_id, false);
  http::response<http::string_body> res{http::status::service_unavailable, 11};
  res.set(http::field::server, "silt");
  res.set(http::field::date, http_date(now_ms()));
  res.set("x-amz-request-id", request_id);
  res.set("x-amz-id-2", shared.host_id);
  res.set(http::field::content_type, r.content_type);
  res.keep_alive(false);
  res.body() = std::move(r.body);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

// A connection past a limit, answered without a coroutine or a read buffer: waiting for its
// request would spend what the limit is there to save. Plain HTTP gets 503 SlowDown in one
// non-blocking send (an empty send buffer takes its few hundred bytes whole), after taking
// what the client sent already: closing with unread input sends a reset, which can destroy
// the response before the client reads it. TLS connections are closed at once, as answering
// them would first cost a handshake, the dearest thing a connection asks for.
void refuse(tcp::socket& socket, SessionShared& shared, bool tls, ConnectionLimiter::Full full) {
  boost::system::error_code ignored;
  if (!tls) {
    socket.non_blocking(true, ignored);
    char discard[4096];
    socket.receive(asio::buffer(discard), 0, ignored);
    socket.send(asio::buffer(refusal_bytes(shared, full)), 0, ignored);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
  }
  socket.close(ignored);
}

// Every connection holds a descriptor: raises the soft limit to fit max_connections beside
// the drives' files when the hard limit allows it, else says what happens instead.
void make_room_for_connections(size_t max_connections) {
  rlimit lim{};
  if (max_connections == 0 || getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want = static_cast<rlim_t>(max_connections) + kDescriptorReserve;
  if (lim.rlim_cur >= want) return;
  rlimit raised = lim;
  raised.rlim_cur = std::min(want, lim.rlim_max);
  if (raised.rlim_cur > lim.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  if (lim.rlim_cur < want)
    spdlog::warn(
        "descriptor limit {} is below --max-connections {} plus {} for the drives: past about {} connections, "
        "new ones wait unanswered instead of getting 503 SlowDown; raise it (ulimit -n, systemd LimitNOFILE=)",
        lim.rlim_cur, max_connections, kDescriptorReserve,
        lim.rlim_cur > kDescriptorReserve ? lim.rlim_cur - kDescriptorReserve : 0);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, SessionShared& shared, const TlsCerts* tls,
                                  ConnectionLimiter& limiter) {
  size_t refused = 0;
  std::chrono::steady_clock::time_point last_log;
  for (;;) {
    // Each connection gets its own strand, so its coroutine and a stop request
    // never touch the socket at the same time.
    tcp::socket socket(asio::make_strand(acceptor.get_executor()));
    auto [ec] = co_await acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (!acceptor.is_open()) co_return;
      // e.g. EMFILE: keep serving the connections we have. The pending connection stays
      // queued, so retrying at once would fail at once, spinning a core until a descriptor
      // frees up; a short pause keeps accept responsive without the spin.
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) continue;  // gone already
    ConnectionLimiter::Full full{};
    auto slot = limiter.acquire(peer.address(), &full);
    if (!slot) {
      refuse(socket, shared, tls != nullptr, full);
      ++refused;
      auto now = std::chrono::steady_clock::now();
      if (now - last_log >= kRefusalLogPeriod) {
        spdlog::warn("refused {} connection(s) past {} since the last such message, the latest from {}", refused,
                     full == ConnectionLimiter::Full::Total ? "--max-connections" : "--max-connections-per-ip",
                     ConnectionLimiter::address_key(peer.address()));
        refused = 0;
        last_log = now;
      }
      continue;
    }
    boost::system::error_code nodelay_ec;  // a peer already gone makes this fail; the read will say so
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    auto session =
        std::make_shared<Session>(std::move(socket), shared, tls ? tls->current() : nullptr, std::move(*slot));
    auto ex = session->stream_executor();
    asio::co_spawn(
        ex, [session]() { return session->run(); }, ReportEscaped{shared.services.metrics, Metrics::Escape::Session});
  }
}

// SIGHUP reloads the certificate and key (a supervisor's "reload"); without TLS there is
// nothing to reload, and the signal is only logged rather than ending the process.
void watch_hangup(asio::signal_set& hangup, TlsCerts* tls) {
  hangup.async_wait([&hangup, tls](const boost::system::error_code& err, int) {
    if (err) return;
    if (!tls) {
      spdlog::info("SIGHUP: no TLS certificates to reload");
    } else if (auto st = tls->reload(); !st) {
      spdlog::error("SIGHUP: {}; still serving the previous certificate", st.error().message);
    } else {
      spdlog::info("SIGHUP: reloaded the TLS certificate from {}: {}", tls->dir(),
                   describe_certificate(*tls->current()));
    }
    watch_hangup(hangup, tls);
  });
}

}  // namespace

int serve(const Config& config, ObjectLayer& objects, auth::UserStore& users, lifecycle::Worker* lifecycle,
          Maintenance* maintenance, std::shared_ptr<const crypto::ServerKeys> keys,
          const BucketChangeHook& bucket_changes, ClusterStatus* cluster) {
  // A zero-copy body is splice()d to the socket (server/http/zero_copy.h), and splice takes
  // no MSG_NOSIGNAL: a client gone mid-body would kill the process with SIGPIPE instead of
  // failing that one write with EPIPE, which the session handles like any closed connection.
  std::signal(SIGPIPE, SIG_IGN);
  int io_threads =
      config.io_threads > 0 ? config.io_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Before the io_context: sessions it still holds at its destruction give their places back here.
  ConnectionLimiter limiter({config.max_connections, config.max_connections_per_ip});
  make_room_for_connections(config.max_connections);
  asio::io_context ioc(io_threads);
  asio::thread_pool blocking(static_cast<size_t>(config.blocking_threads));
  asio::thread_pool commits(static_cast<size_t>(config.commit_threads));
  spdlog::info("{} I/O threads, {} blocking threads, {} commit threads", io_threads, config.blocking_threads,
               config.commit_threads);
  Services services{config, objects, blocking, lifecycle, maintenance, &users};
  services.commits = &commits;
  services.cluster = cluster;
  // Another gateway's change of a bucket's policy, ACL or settings reaches this one's cache.
  if (bucket_changes)
    bucket_changes([access = services.access](std::string_view bucket) { access->invalidate(bucket); });
  if (keys) services.keys = std::move(keys);
  Metrics metrics;
  services.metrics = &metrics;
  std::unique_ptr<AccessLog> access_log;
  if (!config.access_log.empty()) {
    auto opened = AccessLog::open(config.access_log);
    if (!opened) {
      spdlog::error("{}", opened.error().message);
      return 2;
    }
    access_log = std::move(*opened);
    services.access_log = access_log.get();
  }
  SessionRegistry registry;
  SessionShared shared{services, users.credentials(), registry, {}, {}, {}, 0};
  std::random_device rd;
  shared.request_id_seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  shared.host_id = base64_encode(sha256_raw(std::to_string(shared.request_id_seed)));
  Console console(services, users.credentials());
  console.request_totals = [&metrics] { return metrics.request_totals(); };
  shared.console = &console;

  std::unique_ptr<TlsCerts> tls;
  if (!config.certs_dir.empty()) {
    auto opened = TlsCerts::open(config.certs_dir);
    if (!opened) {
      spdlog::error("{}", opened.error().message);
      return 2;
    }
    tls = std::move(*opened);
    spdlog::info("TLS certificate from {}: {}", config.certs_dir, describe_certificate(*tls->current()));
  }

  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config.host, ec);
  if (ec) {
    spdlog::error("invalid address {}: {}", config.host, ec.message());
    return 2;
  }
  tcp::endpoint endpoint(address, config.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    spdlog::error("cannot listen on {}:{}: {}", config.host, config.port, ec.message());
    return 2;
  }
  // Installed before "listening on" is printed: a supervisor may signal as soon as it reads it.
  asio::signal_set hangup(ioc, SIGHUP);
  watch_hangup(hangup, tls.get());
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& err, int sig) {
    if (err) return;
    spdlog::info("signal {}: finishing requests in flight, then stopping", sig);
    shared.stopping = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    hangup.cancel(ignored);
    registry.close_idle();
  });

  std::printf("silt listening on %s://%s:%u\n", tls ? "https" : "http", config.host.c_str(),
              acceptor.local_endpoint().port());
  std::fflush(stdout);

  // A loop that ended by an exception (a bug: its errors are codes) is reported and started
  // again while the acceptor is open: a server that stopped accepting would look alive to a
  // supervisor yet serve no one.
  std::function<void()> start_accepting = [&] {
    asio::co_spawn(ioc, accept_loop(acceptor, shared, tls.get(), limiter), [&](const std::exception_ptr& e) {
      ReportEscaped{&metrics, Metrics::Escape::Accept}(e);
      if (e && acceptor.is_open()) start_accepting();
    });
  };
  start_accepting();
  std::vector<std::thread> threads;
  for (int i = 1; i < io_threads; i++) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  blocking.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace silt::server
