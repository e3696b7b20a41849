// The response head written by hand (server/http/response_head.h): what Beast's
// serializer wrote before, byte for byte where it matters to clients.
#include <catch2/catch.hpp>
#include <string>

#include "server/http/response_head.h"

using namespace silt::server;

namespace {
HeadFields fields(unsigned version, bool keep_alive, std::optional<uint64_t> length) {
  return {version, keep_alive, "Mon, 07 Dec 2026 10:00:00 GMT", "0123456789ABCDEF", "host-id", length};
}
}  // namespace

TEST_CASE("a GET's head: status line, fixed headers, the handler's in order, Content-Length") {
  Response r;
  r.add("ETag", "\"abc\"");
  r.add("Last-Modified", "Mon, 07 Dec 2026 09:00:00 GMT");
  r.add("Content-Type", "text/plain");
  CHECK(response_head(r, fields(11, true, 4096)) ==
        "HTTP/1.1 200 OK\r\n"
        "Server: silt\r\n"
        "Date: Mon, 07 Dec 2026 10:00:00 GMT\r\n"
        "x-amz-request-id: 0123456789ABCDEF\r\n"
        "x-amz-id-2: host-id\r\n"
        "ETag: \"abc\"\r\n"
        "Last-Modified: Mon, 07 Dec 2026 09:00:00 GMT\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Length: 4096\r\n"
        "\r\n");
}

TEST_CASE("the body's content type replaces one among the headers; one goes out") {
  Response r = xml_response("<a/>", 404);
  r.add("content-type", "text/html");
  const std::string head = response_head(r, fields(11, true, 4));
  CHECK(head.starts_with("HTTP/1.1 404 Not Found\r\n"));
  CHECK(head.find("text/html") == std::string::npos);
  CHECK(head.find("Content-Type: application/xml\r\n") != std::string::npos);
}

TEST_CASE("Connection as each HTTP version needs it") {
  Response r;
  CHECK(response_head(r, fields(11, false, 0)).find("Connection: close\r\n") != std::string::npos);
  CHECK(response_head(r, fields(11, true, 0)).find("Connection") == std::string::npos);
  const std::string old = response_head(r, fields(10, true, 0));
  CHECK(old.starts_with("HTTP/1.0 200 OK\r\n"));
  CHECK(old.find("Connection: keep-alive\r\n") != std::string::npos);
  CHECK(response_head(r, fields(10, false, 0)).find("Connection") == std::string::npos);
}

TEST_CASE("no Content-Length when there is none to send (204, 304)") {
  Response r = empty_response(304);
  const std::string head = response_head(r, fields(11, true, std::nullopt));
  CHECK(head.starts_with("HTTP/1.1 304 Not Modified\r\n"));
  CHECK(head.find("Content-Length") == std::string::npos);
  CHECK(head.ends_with("\r\n\r\n"));
}
