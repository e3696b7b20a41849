// The admin client's requests: the target it builds, the signature (checked against botocore's
// and against silt's own verifier), endpoint and credential parsing, and error messages.
#include <catch2/catch.hpp>
#include <map>

#include "auth/sigv4.h"
#include "client/connection.h"
#include "cmd/admin_client.h"
#include "util/time.h"

using namespace silt::admin;

namespace {

constexpr int64_t kNow = 1795321815000LL;  // 2026-11-22T04:30:15Z
const Credentials kDev{"siltadmin", "siltadmin-secret", "test"};

Endpoint loopback() {
  auto ep = parse_endpoint("http://127.0.0.1:9000");
  REQUIRE(ep.ok());
  return *ep;
}

std::string header(const Headers& h, const std::string& name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  FAIL("no header " << name);
  return "";
}

s3::Result<silt::auth::Identity> verify(std::string_view method, const std::string& target, const Headers& h,
                                        const std::string& secret = "siltadmin-secret") {
  silt::auth::CredentialStore store;
  store.add({"siltadmin", secret, "siltadmin"});
  silt::auth::RequestView view{method, target, {}};
  for (const auto& [k, v] : h) view.headers.emplace_back(k, v);
  return silt::auth::authenticate(view, store, kNow);
}

}  // namespace

TEST_CASE("admin_target encodes the query as SigV4 canonicalises it and drops empty values") {
  CHECK(admin_target("usage", {}) == "/_silt/admin/v1/usage");
  CHECK(admin_target("usage", {{"bucket", ""}}) == "/_silt/admin/v1/usage");
  CHECK(admin_target("usage", {{"bucket", "b"}}) == "/_silt/admin/v1/usage?bucket=b");
  CHECK(admin_target("lifecycle/simulate", {{"bucket", "logs"}, {"days", "30,90,365"}}) ==
        "/_silt/admin/v1/lifecycle/simulate?bucket=logs&days=30%2C90%2C365");
  CHECK(admin_target("x", {{"a b", "c&d=e/f~"}}) == "/_silt/admin/v1/x?a%20b=c%26d%3De%2Ff~");
}

// Authorization values botocore 1.29 computes for the same requests at the same instant
// (S3SigV4Auth, datetime patched to 2026-11-22T04:30:15Z).
TEST_CASE("signed_headers match botocore's signature for the same request") {
  Endpoint ep = loopback();
  std::string get = admin_target("lifecycle/simulate", {{"bucket", "logs-2024"}, {"days", "30,90,365"}});
  Headers h = signed_headers("GET", get, ep, kDev, "us-east-1", kNow);
  CHECK(header(h, "host") == "127.0.0.1:9000");
  CHECK(header(h, "x-amz-date") == "20261122T043015Z");
  CHECK(header(h, "x-amz-content-sha256") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(header(h, "authorization") ==
        "AWS4-HMAC-SHA256 Credential=siltadmin/20261122/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        "Signature=e2338287a6ad8dc8cc1b1907224d91ef6a6a4376edb0538debfa8c8e0ce8ea68");

  Headers post = signed_headers("POST", admin_target("lifecycle/run", {}), ep, kDev, "us-east-1", kNow);
  CHECK(header(post, "authorization") ==
        "AWS4-HMAC-SHA256 Credential=siltadmin/20261122/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        "Signature=de35bbd480a0a88fadb1b06dd6777f91ac0735bd48f2321033ce4c9d2e774a52");
}

TEST_CASE("silt's verifier accepts what the admin client signs, and refuses a wrong secret") {
  Endpoint ep = loopback();
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", admin_target("usage", {{"bucket", "b"}})},
           {"POST", admin_target("lifecycle/run", {})},
           {"GET", admin_target("lifecycle/simulate", {{"bucket", "b"}, {"days", "1,7"}})}}) {
    Headers h = signed_headers(method, target, ep, kDev, "us-east-1", kNow);
    auto id = verify(method, target, h);
    INFO(method << " " << target);
    REQUIRE(id.ok());
    CHECK(id->access_key == "siltadmin");
    CHECK(id->region == "us-east-1");
    auto wrong = verify(method, target, h, "another-secret");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().code == s3::Code::SignatureDoesNotMatch);
  }
}

TEST_CASE("parse_endpoint") {
  auto ep = parse_endpoint("http://127.0.0.1:9000/");
  REQUIRE(ep.ok());
  CHECK(ep->host == "127.0.0.1");
  CHECK(ep->port == "9000");
  CHECK(ep->host_header == "127.0.0.1:9000");

  auto v6 = parse_endpoint("http://[::1]:9100");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == "9100");
  CHECK(v6->host_header == "[::1]:9100");

  auto bare = parse_endpoint("silt.example");
  REQUIRE(bare.ok());
  CHECK(bare->host == "silt.example");
  CHECK(bare->port == "80");
  CHECK(bare->host_header == "silt.example");

  CHECK_FALSE(ep->tls);
  auto https = parse_endpoint("https://silt.example");
  REQUIRE(https.ok());
  CHECK(https->tls);
  CHECK(https->host == "silt.example");
  CHECK(https->port == "443");
  CHECK(https->host_header == "silt.example");
  auto https_port = parse_endpoint("https://127.0.0.1:9443/");
  REQUIRE(https_port.ok());
  CHECK(https_port->tls);
  CHECK(https_port->port == "9443");
  CHECK(https_port->host_header == "127.0.0.1:9443");

  CHECK_FALSE(parse_endpoint("ftp://127.0.0.1").ok());
  CHECK_FALSE(parse_endpoint("http://127.0.0.1:9000/bucket").ok());
  CHECK_FALSE(parse_endpoint("http://127.0.0.1:90000").ok());
  CHECK_FALSE(parse_endpoint("http://127.0.0.1:9x").ok());
  CHECK_FALSE(parse_endpoint("http://:9000").ok());
  CHECK_FALSE(parse_endpoint("http://[::1:9000").ok());
}

TEST_CASE("root_credentials: SILT_ROOT_*, then MINIO_ROOT_*, then the development pair") {
  std::map<std::string, std::string> env;
  auto get = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  CHECK(root_credentials(get).access_key == "siltadmin");
  CHECK(root_credentials(get).secret_key == "siltadmin-secret");

  env = {{"MINIO_ROOT_USER", "mu"}, {"MINIO_ROOT_PASSWORD", "mp"}};
  CHECK(root_credentials(get).access_key == "mu");
  CHECK(root_credentials(get).secret_key == "mp");

  env["SILT_ROOT_USER"] = "su";
  CHECK(root_credentials(get).access_key == "mu");  // half a pair does not count
  env["SILT_ROOT_PASSWORD"] = "";
  CHECK(root_credentials(get).access_key == "mu");
  env["SILT_ROOT_PASSWORD"] = "sp";
  CHECK(root_credentials(get).access_key == "su");
  CHECK(root_credentials(get).secret_key == "sp");
}

TEST_CASE("describe_error reads the S3 XML error") {
  CHECK(describe_error(403,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
                       "<Message>The request signature we calculated does not match the signature you "
                       "provided.</Message><RequestId>abc</RequestId></Error>") ==
        "SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. "
        "(HTTP 403)");
  CHECK(describe_error(501, "<Error><Code>NotImplemented</Code></Error>") == "NotImplemented (HTTP 501)");
  CHECK(describe_error(400,
                       "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; "
                       "expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>") ==
        "AuthorizationHeaderMalformed: the region 'us-east-1' is wrong; expecting 'eu-west-1' (the server's "
        "region is eu-west-1; pass --region eu-west-1) (HTTP 400)");
}

TEST_CASE("describe_error without an S3 error body") {
  CHECK(describe_error(404, "") == "HTTP 404 Not Found");
  CHECK(describe_error(502, "bad gateway\n") == "HTTP 502 Bad Gateway: bad gateway");
  CHECK(describe_error(500, "<html><body>oops</body></html>") ==
        "HTTP 500 Internal Server Error: <html><body>oops</body></html>");
  std::string long_body(1000, 'x');
  CHECK(describe_error(503, long_body) == "HTTP 503 Service Unavailable: " + std::string(200, 'x') + "...");
  CHECK(describe_error(460, "") == "HTTP 460");  // no reason phrase for a status HTTP does not define
}

TEST_CASE("a call to a port nobody listens on fails with a readable message") {
  // Port 1 (tcpmux) has no listener on any machine this runs on.
  auto ep = parse_endpoint("http://127.0.0.1:1");
  REQUIRE(ep.ok());
  AdminClient c(*ep, kDev, "us-east-1", std::chrono::seconds(5));
  auto r = c.call("GET", "usage");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("cannot connect to 127.0.0.1:1") == 0);
}

TEST_CASE("the shared client refuses a request head holding CR or LF, unsent") {
  // Not connected: a head that passed the check would fail with "not connected" instead.
  silt::client::Connection conn(loopback(), {});
  auto bad_value = conn.write_head("GET", "/b/k", {{"x-amz-meta-a", "1\r\nx-injected: 1"}}, std::nullopt);
  REQUIRE_FALSE(bad_value.ok());
  CHECK(bad_value.error().message == "header x-amz-meta-a may not hold CR or LF");
  auto bad_target = conn.write_head("GET", "/b/k\r\nHost: x", {}, std::nullopt);
  REQUIRE_FALSE(bad_target.ok());
  CHECK(bad_target.error().message == "a request line may not hold CR or LF");
  auto fine = conn.write_head("GET", "/b/k", {{"x-amz-meta-a", "1"}}, std::nullopt);
  REQUIRE_FALSE(fine.ok());
  CHECK(fine.error().message == "cannot send to 127.0.0.1:9000: not connected");
}
