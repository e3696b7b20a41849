#include "server/ops/console.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "server/http/blocking.h"
#include "server/ops/admin.h"
#include "server/ops/console_assets.h"
#include "util/hash.h"
#include "util/time.h"

namespace silt::server {

namespace http = boost::beast::http;
namespace asio = boost::asio;

namespace {

constexpr std::string_view kRoot = "/_silt/console";
constexpr std::string_view kAssets = "/_silt/console/assets/";
constexpr std::string_view kApi = "/_silt/console/api/";
constexpr std::string_view kCookie = "silt_console";
constexpr size_t kLoginBodyLimit = 8 * 1024;
// A failed sign-in answers this late: guessing secrets through the console is slow.
constexpr auto kFailureDelay = std::chrono::milliseconds(1000);

// Every console response: no framing, no sniffing, nothing from other origins.
void add_security_headers(Response& r) {
  r.add("Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  r.add("X-Content-Type-Options", "nosniff");
  r.add("X-Frame-Options", "DENY");
  r.add("Referrer-Policy", "no-referrer");
}

Response json_answer(int status, const nlohmann::json& j) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // never throws
  r.add("Cache-Control", "no-store");
  return r;
}

Response json_error(int status, std::string_view code, std::string_view message) {
  return json_answer(status, {{"error", code}, {"message", message}});
}

Response too_many_attempts() {
  return json_error(429, "TooManyAttempts",
                    "Too many failed sign-ins with this access key from this address; try again in a few minutes");
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view item = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.size() > name.size() && item.substr(0, name.size()) == name && item[name.size()] == '=')
      return item.substr(name.size() + 1);
  }
  return {};
}

std::string cookie(std::string_view value, int64_t max_age_s, bool tls) {
  std::string c = std::string(kCookie) + "=" + std::string(value) + "; Path=/_silt/console; HttpOnly; SameSite=Strict";
  c += "; Max-Age=" + std::to_string(max_age_s);
  if (tls) c += "; Secure";
  return c;
}

// Equal strings, in time that depends on neither string's content (digests are compared).
bool same_secret(std::string_view a, std::string_view b) {
  const std::string da = sha256_raw(a), db = sha256_raw(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

// An access key as the log shows it: printable ASCII, at most 128 characters.
std::string loggable(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 128)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// The admin API call behind each console data endpoint.
std::string_view admin_call(std::string_view name) {
  if (name == "status") return "status";
  if (name == "usage") return "usage";
  if (name == "lifecycle") return "lifecycle/status";
  if (name == "simulate") return "lifecycle/simulate";
  if (name == "heal") return "heal/status";
  return {};
}

}  // namespace

Console::Console(Services& svc, const auth::CredentialStore& credentials, ConsoleSessionOptions opt)
    : svc_(svc), credentials_(credentials), sessions_(opt) {}

std::optional<std::string> Console::session_user(const http::request_header<>& hdr) {
  std::string_view token = cookie_value(hdr[http::field::cookie], kCookie);
  auto user = sessions_.user_of(token, now_ms());
  // Only the admin signs in; should the admin user change, old sessions stop working.
  if (!user || *user != svc_.config.admin_user) return std::nullopt;
  return user;
}

asio::awaitable<Response> Console::serve(const http::request_header<>& hdr, RawBodySource& body, bool tls,
                                         std::string_view source) {
  const std::string_view target = hdr.target();
  const size_t qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query = qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
  const auto method = hdr.method();
  Response r;
  if (path == kRoot || path == std::string(kRoot) + "/") {
    r = asset("index.html", hdr);
  } else if (path.rfind(kAssets, 0) == 0) {
    r = asset(path.substr(kAssets.size()), hdr);
  } else if (path.rfind(kApi, 0) == 0) {
    const std::string_view name = path.substr(kApi.size());
    if (name == "login") {
      if (method != http::verb::post)
        r = json_error(405, "MethodNotAllowed", "Sign in with POST");
      else
        r = co_await login(hdr, body, tls, source);
    } else if (name == "logout") {
      if (method != http::verb::post) {
        r = json_error(405, "MethodNotAllowed", "Sign out with POST");
      } else if (hdr[http::field::content_type].substr(0, 16) != "application/json") {
        // As for sign-in: a page of another origin can send a form or a no-cors fetch
        // (text/plain, form types) with the cookie, but not JSON without a CORS preflight.
        r = json_error(400, "BadRequest", "Sign out with Content-Type: application/json");
      } else {
        sessions_.remove(cookie_value(hdr[http::field::cookie], kCookie));
        r = json_answer(200, {{"signed_out", true}});
        r.add("Set-Cookie", cookie("", 0, tls));
      }
    } else if (method != http::verb::get) {
      r = json_error(405, "MethodNotAllowed", "The console is read-only");
    } else if (auto user = session_user(hdr); !user) {
      r = json_error(403, "AccessDenied", "Not signed in, or the sign-in has expired");
    } else if (name == "session") {
      r = json_answer(200, {{"user", *user}, {"admin", true}, {"region", svc_.config.region}});
    } else {
      r = co_await data(name, query);
    }
  } else {
    r = json_error(404, "NotFound", "No such console page");
  }
  add_security_headers(r);
  co_return r;
}

Response Console::asset(std::string_view name, const http::request_header<>& hdr) {
  const auto method = hdr.method();
  if (method != http::verb::get && method != http::verb::head) {
    Response r = json_error(405, "MethodNotAllowed", "The console is read-only");
    r.add("Allow", "GET, HEAD");
    return r;
  }
  const ConsoleAsset* a = find_console_asset(name);
  if (!a) return json_error(404, "NotFound", "No such console file");
  Response r;
  // Revalidated every time (cheap with the ETag), so an upgraded silt never serves stale scripts.
  r.add("Cache-Control", "no-cache");
  r.add("ETag", std::string(a->etag));
  if (hdr[http::field::if_none_match] == a->etag) {
    r.status = 304;
    return r;
  }
  r.content_type = std::string(a->content_type);
  if (method == http::verb::head) {
    r.length_only = true;
    r.stream_length = a->body.size();
  } else {
    r.body = std::string(a->body);
  }
  return r;
}

asio::awaitable<Response> Console::login(const http::request_header<>& hdr, RawBodySource& body, bool tls,
                                         std::string_view source) {
  if (hdr[http::field::content_type].substr(0, 16) != "application/json")
    co_return json_error(400, "BadRequest", "Sign in with a JSON body (Content-Type: application/json)");
  std::string text;
  char buf[4096];
  for (;;) {
    auto n = co_await body.read_some(buf, sizeof buf);
    if (!n) co_return json_error(400, "BadRequest", n.error().message);
    if (*n == 0) break;
    text.append(buf, *n);
    if (text.size() > kLoginBodyLimit) co_return json_error(413, "TooLarge", "The sign-in body is too large");
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("accessKey") || !j.contains("secretKey") ||
      !j["accessKey"].is_string() || !j["secretKey"].is_string())
    co_return json_error(400, "BadRequest", "Expected {\"accessKey\": \"...\", \"secretKey\": \"...\"}");
  const std::string access_key = j["accessKey"];
  const std::string secret = j["secretKey"];
  const int64_t now = now_ms();
  auto cred = credentials_.find(access_key);
  // Attempts count per existing key and source address; unknown keys share one count per
  // address, so guessing keys neither fills the table nor tells which keys exist.
  const std::string limit_key = cred ? access_key : std::string("\x01unknown");
  const auto attempt = sessions_.begin_attempt(limit_key, source, now);
  if (!attempt.admitted) co_return too_many_attempts();
  // A throttled pair waits for its turn before its secret is checked at all, so a
  // client that gives up early learns nothing; a correct secret then still signs in.
  if (attempt.wait_ms > 0) {
    asio::steady_timer turn(co_await asio::this_coro::executor, std::chrono::milliseconds(attempt.wait_ms));
    co_await turn.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // An unknown key costs the same comparison as a known one.
  const bool ok = same_secret(secret, cred ? cred->secret_key : std::string(40, '\0')) && cred;
  if (!ok) {
    spdlog::info("console: failed sign-in for access key '{}' from {}", loggable(access_key), source);
    asio::steady_timer delay(co_await asio::this_coro::executor, kFailureDelay);
    co_await delay.async_wait(asio::as_tuple(asio::use_awaitable));
    if (attempt.throttled) co_return too_many_attempts();
    co_return json_error(401, "InvalidCredentials", "Wrong access key or secret key");
  }
  sessions_.succeeded(limit_key, source);
  // Every user may work in the console: the page signs its S3 calls with this key, so
  // it can do exactly what the key may. Only the admin gets the cookie, which reads the
  // cluster-wide operations panels and nothing else.
  const bool admin = cred->user == svc_.config.admin_user;
  nlohmann::json answer = {{"user", cred->user}, {"admin", admin}, {"region", svc_.config.region}};
  if (!admin) {
    spdlog::info("console: {} signed in (no operations panels: not the admin)", cred->user);
    co_return json_answer(200, answer);
  }
  const std::string token = sessions_.create(cred->user, now);
  spdlog::info("console: {} signed in", cred->user);
  answer["expires_ms"] = now + sessions_.options().lifetime_ms;
  Response r = json_answer(200, answer);
  r.add("Set-Cookie", cookie(token, sessions_.options().lifetime_ms / 1000, tls));
  co_return r;
}

asio::awaitable<Response> Console::data(std::string_view name, std::string_view query) {
  if (name == "requests") {
    if (!request_totals) co_return json_error(503, "NoData", "Request counters are not available in this build");
    co_return json_answer(200, {{"now_ms", now_ms()}, {"totals", request_totals()}});
  }
  const std::string_view call = admin_call(name);
  if (call.empty()) co_return json_error(404, "NotFound", "No such console endpoint");
  std::string target = "/_silt/admin/v1/" + std::string(call);
  if (!query.empty()) target += "?" + std::string(query);
  auto r = co_await run_blocking(svc_.blocking, [&] { return handle_admin("GET", target, svc_); });
  if (!r) co_return json_error(s3::http_status(r.error().code), s3::code_name(r.error().code), r.error().message);
  r->add("Cache-Control", "no-store");
  co_return std::move(*r);
}

asio::awaitable<s3::Result<Response>> serve_console(OwnContext& ctx) {
  if (!ctx.console) co_return s3::Error(s3::Code::NotImplemented, "This server has no console");
  co_return co_await ctx.console->serve(ctx.head, ctx.body, ctx.tls, ctx.source);
}

}  // namespace silt::server
