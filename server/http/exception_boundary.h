// The one place an exception from serving a connection stops. silt's errors are values
// (s3::Error); an exception is a bug somewhere below, so it is logged with what it said,
// counted in silt_uncaught_exceptions_total{where}, and never takes the server down or
// leaves a client without an answer. Beast's awaitable example does the same with its
// co_spawn completion handler; asio::detached would drop the exception without a trace.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "server/ops/metrics.h"

namespace silt::server {

// What e said: its what(), or a note that it was not a std::exception.
std::string describe_exception(const std::exception_ptr& e);

// Logs e (null: nothing happened) as escaped from `where`, naming `context` (a request id
// and operation, for instance), and counts it in metrics (may be null).
void report_exception(const std::exception_ptr& e, Metrics* metrics, Metrics::Escape where, std::string_view context);

// Awaits work. An exception escaping it is reported (Escape::Request) and nullopt
// returned, so the caller answers 500 InternalError instead of dropping the connection.
template <class T>
boost::asio::awaitable<std::optional<T>> contain_exception(boost::asio::awaitable<T> work, Metrics* metrics,
                                                           std::string_view context) {
  std::exception_ptr thrown;
  try {
    co_return co_await std::move(work);
  } catch (...) {
    // Reported outside the handler: a catch block may not co_await, and logging is
    // kept out of it too so a throwing logger cannot escape from here.
    thrown = std::current_exception();
  }
  report_exception(thrown, metrics, Metrics::Escape::Request, context);
  co_return std::nullopt;
}

// co_spawn's completion handler for a session's coroutine and for the accept loop.
struct ReportEscaped {
  Metrics* metrics = nullptr;
  Metrics::Escape where = Metrics::Escape::Session;
  void operator()(const std::exception_ptr& e) const { report_exception(e, metrics, where, {}); }
};

}  // namespace silt::server
