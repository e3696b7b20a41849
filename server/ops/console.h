// The web console at /_silt/console. Static assets are compiled into the binary
// (server/ops/console/, embedded by scripts/embed_assets.py). The page signs S3 and
// admin API requests itself (SigV4, with the signed-in user's key held in the tab), so
// everything it changes goes through silt's own APIs with that user's rights; this
// class only serves the files, checks a sign-in (throttled), and for the admin answers
// the read-only operations panels under /_silt/console/api/ with the admin API's own
// JSON (server/ops/admin.cpp) to a browser holding the sign-in cookie. No endpoint
// here changes stored data: the cookie alone never authorizes a change.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "auth/credentials.h"
#include "server/ops/console_sessions.h"
#include "server/ops/own_context.h"
#include "server/s3/body_reader.h"
#include "server/s3/handler.h"

namespace silt::server {

class Console {
 public:
  Console(Services& svc, const auth::CredentialStore& credentials, ConsoleSessionOptions opt = {});

  // Cumulative {"requests", "errors", "bytes_in", "bytes_out"} (server/metrics). Empty:
  // GET /_silt/console/api/requests answers 503 and the panel shows "no data".
  std::function<nlohmann::json()> request_totals;

  // One request under /_silt/console. tls: the connection is HTTPS (the cookie gets Secure);
  // source: the client's address, which sign-in attempts are throttled by.
  boost::asio::awaitable<Response> serve(const boost::beast::http::request_header<>& hdr, RawBodySource& body, bool tls,
                                         std::string_view source);

  ConsoleSessions& sessions() { return sessions_; }

 private:
  boost::asio::awaitable<Response> login(const boost::beast::http::request_header<>& hdr, RawBodySource& body, bool tls,
                                         std::string_view source);
  boost::asio::awaitable<Response> data(std::string_view name, std::string_view query);
  Response asset(std::string_view name, const boost::beast::http::request_header<>& hdr);
  // The signed-in admin of this request's cookie, or nothing.
  std::optional<std::string> session_user(const boost::beast::http::request_header<>& hdr);

  Services& svc_;
  const auth::CredentialStore& credentials_;
  ConsoleSessions sessions_;
};

// The endpoint table's entry for every path under /_silt/console (server/s3/router.cpp).
boost::asio::awaitable<s3::Result<Response>> serve_console(OwnContext& ctx);

}  // namespace silt::server
