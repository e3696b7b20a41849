#include <catch2/catch.hpp>
#include <string>

#include "server/http/header_guard.h"
#include "server/s3/cors.h"
#include "server/s3/handlers/object_headers.h"
#include "util/http_field.h"

using namespace silt;
using namespace silt::server;

namespace {
Response with(std::string name, std::string value) {
  Response r;
  r.add("ETag", "\"abc\"");
  r.add(std::move(name), std::move(value));
  return r;
}

s3::Code meta_outcome(std::vector<std::pair<std::string, std::string>> fields) {
  auto m = meta_from_fields(fields);
  return m ? s3::Code::InternalError : m.error().code;  // InternalError stands for "accepted" here
}
constexpr auto accepted = s3::Code::InternalError;

std::string cors(std::string_view rule_body) {
  return "<CORSConfiguration><CORSRule>" + std::string(rule_body) + "</CORSRule></CORSConfiguration>";
}
}  // namespace

TEST_CASE("field values: control characters other than HTAB are refused", "[header_guard]") {
  CHECK(is_field_value(""));
  CHECK(is_field_value("text/html; charset=utf-8"));
  CHECK(is_field_value("a\tb"));
  CHECK(is_field_value("caf\xc3\xa9"));  // obs-text (UTF-8) passes, as HTTP allows
  CHECK_FALSE(is_field_value("a\r\nSet-Cookie: x=y"));
  CHECK_FALSE(is_field_value("a\rb"));
  CHECK_FALSE(is_field_value("a\nb"));
  CHECK_FALSE(is_field_value(std::string("a\0b", 3)));
  CHECK_FALSE(is_field_value("a\x01"));
  CHECK_FALSE(is_field_value("a\x1f"));
  CHECK_FALSE(is_field_value("a\x7f"));
}

TEST_CASE("field names are tokens", "[header_guard]") {
  CHECK(is_field_name("x-amz-meta-a_b.c~1"));
  CHECK(is_field_name("*"));
  CHECK_FALSE(is_field_name(""));
  CHECK_FALSE(is_field_name("a b"));
  CHECK_FALSE(is_field_name("a:b"));
  CHECK_FALSE(is_field_name("a\r\nb"));
  CHECK_FALSE(is_field_name("caf\xc3\xa9"));
  CHECK_FALSE(is_field_name("a\"b"));
}

TEST_CASE("unsafe_header names the first header a response must not carry", "[header_guard]") {
  CHECK_FALSE(unsafe_header(with("Content-Disposition", "attachment; filename=\"a b.txt\"")));
  CHECK(unsafe_header(with("Content-Type", "text/html\r\nSet-Cookie: x=y")) == "Content-Type");
  CHECK(unsafe_header(with("x-amz-meta-a", std::string("v\0", 2))) == "x-amz-meta-a");
  CHECK(unsafe_header(with("x-amz-meta-a", "v\n")) == "x-amz-meta-a");
  // A bad name is reported printably (it goes into a log line).
  CHECK(unsafe_header(with("Set-Cookie: x\r\nA", "v")) == "Set-Cookie: x\\x0D\\x0AA");
  Response r;
  r.content_type = "application/xml\r\nX: y";
  CHECK(unsafe_header(r) == "Content-Type");
}

TEST_CASE("browser defaults: nosniff and a sandbox unless the response has its own policy", "[header_guard]") {
  Response r;
  add_browser_defaults(r);
  CHECK(r.headers == std::vector<std::pair<std::string, std::string>>{{"X-Content-Type-Options", "nosniff"},
                                                                      {"Content-Security-Policy", "sandbox"}});
  Response console;
  console.add("content-security-policy", "default-src 'self'");
  console.add("X-Content-Type-Options", "nosniff");
  add_browser_defaults(console);
  CHECK(console.headers.size() == 2);
  CHECK(console.headers[0].second == "default-src 'self'");
  // Browsers' PDF viewers stay blank in a sandbox: PDFs get nosniff only.
  for (std::string type : {"application/pdf", "Application/PDF; x=y", " application/pdf "}) {
    Response pdf = with("Content-Type", type);
    add_browser_defaults(pdf);
    CHECK(pdf.headers.back() == std::pair<std::string, std::string>{"X-Content-Type-Options", "nosniff"});
  }
  Response not_pdf = with("Content-Type", "application/pdfx");
  add_browser_defaults(not_pdf);
  CHECK(not_pdf.headers.back().second == "sandbox");
}

TEST_CASE("stored metadata must be sendable as headers", "[header_guard]") {
  CHECK(meta_outcome({{"Content-Type", "image/png"}, {"x-amz-meta-a", "b\tc"}}) == accepted);
  CHECK(meta_outcome({{"Content-Type", "image/png\r\nSet-Cookie: x=y"}}) == s3::Code::InvalidArgument);
  CHECK(meta_outcome({{"Cache-Control", "no-cache\n"}}) == s3::Code::InvalidArgument);
  CHECK(meta_outcome({{"Expires", std::string("x\0", 2)}}) == s3::Code::InvalidArgument);
  CHECK(meta_outcome({{"x-amz-meta-a", "b\r\nSet-Cookie: x=y"}}) == s3::Code::InvalidArgument);
  CHECK(meta_outcome({{"x-amz-meta-a b", "c"}}) == s3::Code::InvalidArgument);
  CHECK(meta_outcome({{"x-amz-meta-a:b", "c"}}) == s3::Code::InvalidArgument);
  CHECK(meta_outcome({{"x-amz-storage-class", "STANDARD\r\nX: y"}}) == s3::Code::InvalidArgument);
  auto m = meta_from_fields({{"content-disposition", "x\ry"}});
  REQUIRE_FALSE(m);
  CHECK(m.error().extra.at("ArgumentName") == "content-disposition");
}

TEST_CASE("CORS rules: values echoed or matched as headers must be header-safe", "[header_guard]") {
  const std::string ok = "<AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod>";
  CHECK(parse_cors(cors(ok + "<AllowedHeader>x-amz-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>")));
  auto code = [](const std::string& xml) {
    auto r = parse_cors(xml);
    return r ? s3::Code::InternalError : r.error().code;
  };
  CHECK(code(cors(
            "<AllowedOrigin>https://a&#13;&#10;Set-Cookie: x=y</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")) ==
        s3::Code::InvalidRequest);
  CHECK(code(cors(ok + "<ExposeHeader>ETag&#13;&#10;Set-Cookie: x=y</ExposeHeader>")) == s3::Code::InvalidRequest);
  CHECK(code(cors(ok + "<ExposeHeader>ETag, Set-Cookie</ExposeHeader>")) == s3::Code::InvalidRequest);
  CHECK(code(cors(ok + "<AllowedHeader>a\nb</AllowedHeader>")) == s3::Code::InvalidRequest);
  CHECK(code(cors("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET\r\n</AllowedMethod>")) ==
        s3::Code::InvalidRequest);
}
