// server/http/exception_boundary.h: an exception escaping a request's handler or a session's
// coroutine is reported and counted, never lost (asio::detached) and never fatal.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "server/http/exception_boundary.h"
#include "server/ops/metrics.h"

using silt::server::contain_exception;
using silt::server::describe_exception;
using silt::server::Metrics;
using silt::server::ReportEscaped;
namespace asio = boost::asio;

namespace {

asio::awaitable<int> answer(bool throw_it) {
  // What UploadPartCopy's std::stoull threw on "bytes=0-" before util/parse.h replaced it.
  if (throw_it) throw std::invalid_argument("stoull");
  co_return 42;
}

asio::awaitable<void> contained(bool throw_it, Metrics& m, std::optional<int>& out) {
  out = co_await contain_exception(answer(throw_it), &m, "0000000000000001");
}

}  // namespace

TEST_CASE("describe_exception says what was thrown", "[exceptions]") {
  CHECK(describe_exception(std::make_exception_ptr(std::runtime_error("disk on fire"))) == "disk on fire");
  CHECK(describe_exception(std::make_exception_ptr(7)) == "an exception that is not a std::exception");
  CHECK(describe_exception(nullptr) == "no exception");
}

TEST_CASE("contain_exception passes a value through and turns a throw into nothing, counted", "[exceptions]") {
  Metrics m(std::vector<std::string_view>{"Other"});
  asio::io_context io;
  std::optional<int> ok, failed = 0;
  asio::co_spawn(io, contained(false, m, ok), ReportEscaped{&m, Metrics::Escape::Session});
  asio::co_spawn(io, contained(true, m, failed), ReportEscaped{&m, Metrics::Escape::Session});
  io.run();
  CHECK(ok == 42);
  CHECK_FALSE(failed);
  CHECK(m.exceptions(Metrics::Escape::Request) == 1);
  CHECK(m.exceptions(Metrics::Escape::Session) == 0);
}

TEST_CASE("a session's coroutine that throws is reported and counted, and the server runs on", "[exceptions]") {
  Metrics m(std::vector<std::string_view>{"Other"});
  asio::io_context io;
  int finished = 0;
  auto session = [&](bool throw_it) -> asio::awaitable<void> {
    co_await answer(throw_it);
    finished++;
  };
  asio::co_spawn(io, session(true), ReportEscaped{&m, Metrics::Escape::Session});
  asio::co_spawn(io, session(false), ReportEscaped{&m, Metrics::Escape::Session});
  REQUIRE_NOTHROW(io.run());
  CHECK(finished == 1);
  CHECK(m.exceptions(Metrics::Escape::Session) == 1);
  ReportEscaped{nullptr, Metrics::Escape::Accept}(nullptr);  // no exception, no metrics: nothing to do
}

TEST_CASE("silt_uncaught_exceptions_total is exposed for every place, zeros included", "[exceptions]") {
  Metrics m(std::vector<std::string_view>{"Other"});
  m.count_exception(Metrics::Escape::Accept);
  silt::server::prom::Exposition out;
  m.write_requests(out);
  const std::string& text = out.text();
  CHECK(text.find("# TYPE silt_uncaught_exceptions_total counter") != std::string::npos);
  CHECK(text.find("silt_uncaught_exceptions_total{where=\"request\"} 0\n") != std::string::npos);
  CHECK(text.find("silt_uncaught_exceptions_total{where=\"session\"} 0\n") != std::string::npos);
  CHECK(text.find("silt_uncaught_exceptions_total{where=\"accept\"} 1\n") != std::string::npos);
}
