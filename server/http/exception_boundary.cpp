#include "server/http/exception_boundary.h"

#include <spdlog/spdlog.h>

namespace silt::server {

namespace {
std::string_view where_name(Metrics::Escape where) {
  switch (where) {
    case Metrics::Escape::Request: return "a request's handler";
    case Metrics::Escape::Session: return "a connection";
    case Metrics::Escape::Accept: return "the accept loop";
  }
  return "?";
}
}  // namespace

std::string describe_exception(const std::exception_ptr& e) {
  if (!e) return "no exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

void report_exception(const std::exception_ptr& e, Metrics* metrics, Metrics::Escape where, std::string_view context) {
  if (!e) return;
  if (metrics) metrics->count_exception(where);
  const std::string what = describe_exception(e);
  if (where == Metrics::Escape::Accept) {
    spdlog::critical("exception escaped {}: {}; no new connections are accepted, restart silt", where_name(where),
                     what);
  } else if (context.empty()) {
    spdlog::error("exception escaped {}: {}", where_name(where), what);
  } else {
    spdlog::error("{}: exception escaped {}: {}", context, where_name(where), what);
  }
}

}  // namespace silt::server
