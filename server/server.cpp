#include "server/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "server/access_log.h"
#include "server/console.h"
#include "server/exception_boundary.h"
#include "server/metrics.h"
#include "server/session.h"
#include "server/session_registry.h"
#include "server/tls_certs.h"
#include "util/hash.h"

namespace silt::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, SessionShared& shared, const TlsCerts* tls) {
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
    socket.set_option(tcp::no_delay(true));
    auto session = std::make_shared<Session>(std::move(socket), shared, tls ? tls->current() : nullptr);
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
          Healer* healer) {
  int io_threads =
      config.io_threads > 0 ? config.io_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  asio::io_context ioc(io_threads);
  asio::thread_pool blocking(static_cast<size_t>(config.blocking_threads));
  Services services{config, objects, blocking, lifecycle, healer, &users};
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

  asio::co_spawn(ioc, accept_loop(acceptor, shared, tls.get()), ReportEscaped{&metrics, Metrics::Escape::Accept});
  std::vector<std::thread> threads;
  for (int i = 1; i < io_threads; i++) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  blocking.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace silt::server
