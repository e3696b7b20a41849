// What a signature covers: the SignedHeaders rules, the canonical headers built from
// them, and the refusal of requests carrying x-amz-* headers (or a Host) that the
// signature does not cover, for header-signed and presigned SigV4 and for SigV2.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "auth/signed_headers.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "request_fixture.h"
#include "util/hash.h"
#include "util/time.h"
#include "util/uri.h"

using silt::auth::CredentialStore;
using silt::auth::PayloadMode;
using silt::auth::test::OwnedRequest;

namespace {

constexpr const char* kAccessKey = "AKIDSIGNED";
constexpr const char* kSecret = "signed-headers-secret";
constexpr int64_t kNow = 1795321815000LL;  // 2026-11-22T04:30:15Z
constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

CredentialStore store() {
  CredentialStore s;
  s.add({kAccessKey, kSecret, "signed-user"});
  return s;
}

using Headers = std::vector<std::pair<std::string_view, std::string_view>>;

s3::Result<std::vector<std::string_view>> parse(std::string_view list, size_t header_count = 100) {
  return silt::auth::parse_signed_headers(list, header_count, s3::Code::AuthorizationHeaderMalformed);
}

// A request signed now over exactly the headers given (sign_request signs all of them).
OwnedRequest header_signed(std::string method, std::string target, std::vector<std::pair<std::string, std::string>> h,
                           std::string payload = "UNSIGNED-PAYLOAD") {
  OwnedRequest r{std::move(method), std::move(target), std::move(h)};
  r.headers.emplace_back("x-amz-date", silt::amz_date(kNow));
  r.headers.emplace_back("Authorization", silt::auth::sign_request(r.method, r.target, r.headers, payload, kAccessKey,
                                                                   kSecret, "us-east-1"));
  return r;
}

// A presigned URL signed now over `signed_names` (sorted; their values taken from h),
// with h as the request's headers.
OwnedRequest presigned(std::string method, std::string path, std::vector<std::pair<std::string, std::string>> h,
                       std::vector<std::string_view> signed_names, std::string payload = "UNSIGNED-PAYLOAD",
                       std::string extra_query = "") {
  std::string date = silt::amz_date(kNow);
  std::string scope = date.substr(0, 8) + "/us-east-1/s3/aws4_request";
  std::string list;
  for (std::string_view n : signed_names) list.append(list.empty() ? "" : ";").append(n);
  std::string query = extra_query + (extra_query.empty() ? "" : "&") +
                      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + kAccessKey + "%2F" +
                      silt::uri_encode(scope, false) + "&X-Amz-Date=" + date +
                      "&X-Amz-Expires=600&X-Amz-SignedHeaders=" + silt::uri_encode(list, false);
  OwnedRequest r{std::move(method), path + "?" + query, std::move(h)};
  Headers view;
  for (const auto& [k, v] : r.headers) view.emplace_back(k, v);
  std::string cr = r.method + "\n" + path + "\n" + silt::auth::canonical_query(query, true) + "\n" +
                   silt::auth::cover(view, signed_names, {}).canonical + "\n" + list + "\n" + payload;
  std::string sts = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + silt::sha256_hex(cr);
  std::string key = silt::auth::derive_signing_key(kSecret, date.substr(0, 8), "us-east-1", "s3");
  r.target += "&X-Amz-Signature=" + silt::hex_encode(silt::hmac_sha256_raw(key, sts));
  return r;
}

s3::Result<silt::auth::Identity> check(const OwnedRequest& r) {
  return silt::auth::authenticate(r.view(), store(), kNow);
}

// The HeadersNotSigned of an AccessDenied refusal; fails the test for any other outcome.
std::string not_signed_of(const OwnedRequest& r) {
  auto id = check(r);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == s3::Code::AccessDenied);
  CHECK(id.error().message == "There were headers present in the request which were not signed");
  REQUIRE(id.error().extra.count("HeadersNotSigned") == 1);
  return id.error().extra.at("HeadersNotSigned");
}

s3::Code code_of(const OwnedRequest& r) {
  auto id = check(r);
  REQUIRE_FALSE(id.ok());
  return id.error().code;
}

void replace(std::string& s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("SignedHeaders: lowercase token names, strictly ascending, separated by ';'") {
  auto ok = parse("content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-a_b");
  REQUIRE(ok.ok());
  CHECK(ok->size() == 5);
  CHECK(ok->front() == "content-type");
  CHECK(parse("host").ok());
  for (const char* bad : {"", ";", "host;", ";host", "host;;x-amz-date", "Host", "host;X-Amz-Date", "host; x-amz-date",
                          "host ;x-amz-date", "host,x-amz-date", "ho\tst", "x-amz-date;host", "host;host",
                          "host;x-amz-date;x-amz-date", "host;content-type"}) {
    INFO(bad);
    auto r = parse(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == s3::Code::AuthorizationHeaderMalformed);
  }
}

TEST_CASE("SignedHeaders: no more names than the request has headers, no more than 8 KiB") {
  CHECK(parse("a;b;c", 3).ok());
  CHECK_FALSE(parse("a;b;c", 2).ok());
  CHECK_FALSE(parse("host", 0).ok());

  // Distinct sorted names filling the limit exactly, then one byte more.
  std::string list;
  for (int i = 0; list.size() + 8 <= silt::auth::kMaxSignedHeadersBytes; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "%s%06d", list.empty() ? "" : ";", i);
    list += name;
  }
  list.append(silt::auth::kMaxSignedHeadersBytes - list.size(), 'z');
  REQUIRE(list.size() == silt::auth::kMaxSignedHeadersBytes);
  CHECK(parse(list, 100000).ok());
  auto long_list = parse(list + "z", 100000);
  REQUIRE_FALSE(long_list.ok());
  CHECK(long_list.error().message.find("longer than 8192 bytes") != std::string::npos);

  // The error code is the caller's: presigned URLs get theirs.
  auto q = silt::auth::parse_signed_headers("b;a", 5, s3::Code::AuthorizationQueryParametersError);
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().code == s3::Code::AuthorizationQueryParametersError);
}

TEST_CASE("cover: canonical headers in list order, trimmed, repeats joined in arrival order") {
  Headers h = {{"Host", "h:1"},
               {"X-Amz-Meta-A", "  one \t two "},
               {"x-amz-date", "20261122T043015Z"},
               {"x-amz-meta-a", "3"},
               {"User-Agent", "ua"},
               {"Content-Type", "text/plain"}};
  std::vector<std::string_view> names = {"content-type", "host", "x-amz-date", "x-amz-meta-a", "x-amz-missing"};
  auto c = silt::auth::cover(h, names, {});
  CHECK(c.canonical ==
        "content-type:text/plain\nhost:h:1\nx-amz-date:20261122T043015Z\nx-amz-meta-a:one two,3\nx-amz-missing:\n");
  CHECK(c.not_signed.empty());
}

TEST_CASE("cover: every unsigned x-amz-* header and a missing host are listed, sorted, once") {
  Headers h = {{"Host", "h"},
               {"X-Amz-Acl", "public-read"},
               {"x-amz-copy-source", "/other/secret"},
               {"x-amz-acl", "private"},
               {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
               {"x-amzn-trace-id", "not an x-amz- header"},
               {"x-forwarded-for", "10.0.0.1"}};
  auto c = silt::auth::cover(h, {"host"}, {});
  CHECK(c.not_signed == std::vector<std::string>{"x-amz-acl", "x-amz-content-sha256", "x-amz-copy-source"});
  // Header auth exempts x-amz-content-sha256: its value is the canonical request's last line.
  c = silt::auth::cover(h, {"host"}, "x-amz-content-sha256");
  CHECK(c.not_signed == std::vector<std::string>{"x-amz-acl", "x-amz-copy-source"});
  // Host must be signed even when the request has none.
  c = silt::auth::cover({{"x-amz-date", "d"}}, {"x-amz-date"}, {});
  CHECK(c.not_signed == std::vector<std::string>{"host"});
}

TEST_CASE("headers_not_signed: S3's error, and a bounded list") {
  auto e = silt::auth::headers_not_signed({"x-amz-acl", "x-amz-copy-source"});
  CHECK(e.code == s3::Code::AccessDenied);
  CHECK(e.extra.at("HeadersNotSigned") == "x-amz-acl, x-amz-copy-source");

  std::vector<std::string> many;
  for (int i = 0; i < 5000; ++i) many.push_back("x-amz-meta-" + std::to_string(100000 + i));
  auto big = silt::auth::headers_not_signed(many);
  const std::string& list = big.extra.at("HeadersNotSigned");
  CHECK(list.size() <= 2 * 1024 + 5);
  CHECK(list.substr(list.size() - 5) == ", ...");
}

TEST_CASE("header auth: an x-amz-* header added after signing is refused with HeadersNotSigned") {
  OwnedRequest r = header_signed("PUT", "/bucket/key", {{"Host", "h:1"}, {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}});
  REQUIRE(check(r).ok());
  SECTION("one header") {
    r.headers.emplace_back("x-amz-copy-source", "/other-bucket/secret");
    CHECK(not_signed_of(r) == "x-amz-copy-source");
  }
  SECTION("several, in any case") {
    r.headers.emplace_back("X-Amz-Acl", "public-read");
    r.headers.emplace_back("x-amz-copy-source", "/other-bucket/secret");
    CHECK(not_signed_of(r) == "x-amz-acl, x-amz-copy-source");
  }
  SECTION("a second value of a signed header is covered: the signature breaks") {
    r.headers.emplace_back("X-Amz-Date", silt::amz_date(kNow));
    CHECK(code_of(r) == s3::Code::SignatureDoesNotMatch);
  }
}

TEST_CASE("header auth: x-amz-content-sha256 may be left out of SignedHeaders") {
  OwnedRequest r = header_signed("GET", "/bucket/key", {{"Host", "h:1"}}, "UNSIGNED-PAYLOAD");
  r.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  auto id = check(r);
  REQUIRE(id.ok());
  CHECK(id->payload == PayloadMode::Unsigned);
  // Its value is still what was signed.
  r.headers.back().second = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  CHECK(code_of(r) == s3::Code::SignatureDoesNotMatch);
}

TEST_CASE("header auth: host must be in SignedHeaders") {
  OwnedRequest r = header_signed("GET", "/bucket/key", {{"x-amz-content-sha256", kEmptySha256}}, kEmptySha256);
  r.headers.emplace_back("Host", "h:1");
  CHECK(not_signed_of(r) == "host");
}

TEST_CASE("header auth: a malformed SignedHeaders is AuthorizationHeaderMalformed") {
  OwnedRequest r =
      header_signed("GET", "/bucket/key", {{"Host", "h:1"}, {"x-amz-content-sha256", kEmptySha256}}, kEmptySha256);
  std::string& auth = *r.header("authorization");
  SECTION("unsorted") {
    replace(auth, "host;x-amz-content-sha256;x-amz-date", "x-amz-content-sha256;host;x-amz-date");
  }
  SECTION("repeated") {
    replace(auth, "host;x-amz-content-sha256;x-amz-date", "host;host;x-amz-content-sha256;x-amz-date");
  }
  SECTION("upper case") {
    replace(auth, "host;x-amz-content-sha256;x-amz-date", "Host;x-amz-content-sha256;x-amz-date");
  }
  SECTION("more names than headers") {
    replace(auth, "x-amz-date", "x-amz-date;x-amz-e;x-amz-f");
  }
  auto id = check(r);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == s3::Code::AuthorizationHeaderMalformed);
}

TEST_CASE("header auth: 8000 repeated names with 8000 headers are refused at once, echoing nothing large") {
  // Finding 4 of issue 15: this used to cost seconds of CPU and a 128 MB error body.
  OwnedRequest r{"GET",
                 "/bucket/key",
                 {{"Host", "h:1"}, {"x-amz-date", silt::amz_date(kNow)}, {"x-amz-content-sha256", kEmptySha256}}};
  std::string list = "a";
  for (int i = 1; i < 8000; ++i) list += ";a";
  for (int i = 0; i < 8000; ++i) r.headers.emplace_back("a", "");
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + std::string(kAccessKey) +
                                              "/20261122/us-east-1/s3/aws4_request, SignedHeaders=" + list +
                                              ", Signature=" + std::string(64, '0'));
  auto start = std::chrono::steady_clock::now();
  auto id = check(r);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == s3::Code::AuthorizationHeaderMalformed);
  CHECK(id.error().message.size() < 200);
  CHECK(took < std::chrono::milliseconds(100));
}

TEST_CASE("SignatureDoesNotMatch echoes CanonicalRequest and StringToSign only up to 4 KiB") {
  OwnedRequest small =
      header_signed("GET", "/bucket/key", {{"Host", "h:1"}, {"x-amz-content-sha256", kEmptySha256}}, kEmptySha256);
  *small.header("authorization") += "0";  // a different signature
  auto e = check(small);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == s3::Code::SignatureDoesNotMatch);
  CHECK(e.error().extra.count("CanonicalRequest") == 1);
  CHECK(e.error().extra.count("StringToSign") == 1);

  OwnedRequest big = header_signed(
      "GET", "/bucket/key",
      {{"Host", "h:1"}, {"x-amz-content-sha256", kEmptySha256}, {"x-amz-meta-big", std::string(8000, 'v')}},
      kEmptySha256);
  *big.header("x-amz-meta-big") = std::string(8000, 'w');
  e = check(big);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == s3::Code::SignatureDoesNotMatch);
  CHECK(e.error().extra.count("CanonicalRequest") == 0);
  CHECK(e.error().extra.count("StringToSign") == 1);  // always small: a hash and the scope
}

TEST_CASE("header auth without x-amz-content-sha256: a bodyless request is the empty payload") {
  // curl --aws-sigv4 before 8.x signs the SHA-256 of its (empty) body and sends no header.
  for (const char* method : {"GET", "HEAD", "DELETE"}) {
    INFO(method);
    OwnedRequest r = header_signed(method, "/bucket/key", {{"Host", "h:1"}}, kEmptySha256);
    auto id = check(r);
    REQUIRE(id.ok());
    CHECK(id->payload == PayloadMode::Sha256);
    CHECK(id->payload_sha256_hex == kEmptySha256);
  }
  OwnedRequest zero = header_signed("PUT", "/bucket/key", {{"Host", "h:1"}, {"Content-Length", "0"}}, kEmptySha256);
  CHECK(check(zero).ok());
  // Signed with another payload hash, it does not verify.
  OwnedRequest other = header_signed("GET", "/bucket/key", {{"Host", "h:1"}}, "UNSIGNED-PAYLOAD");
  CHECK(code_of(other) == s3::Code::SignatureDoesNotMatch);
  // With a body the header stays required.
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"Content-Length", "5"}, {"Content-Length", "x"}, {"Transfer-Encoding", "chunked"}}) {
    INFO(name << ": " << value);
    OwnedRequest r = header_signed("PUT", "/bucket/key", {{"Host", "h:1"}, {name, value}}, kEmptySha256);
    auto id = check(r);
    REQUIRE_FALSE(id.ok());
    CHECK(id.error().code == s3::Code::InvalidRequest);
    CHECK(id.error().message == "Missing required header for this request: x-amz-content-sha256");
  }
}

TEST_CASE("presigned: host-only URL works; any x-amz-* header added to it is refused") {
  OwnedRequest r = presigned("PUT", "/bucket/upload", {{"Host", "h:1"}}, {"host"});
  auto id = check(r);
  REQUIRE(id.ok());
  CHECK(id->presigned);
  CHECK(id->payload == PayloadMode::Unsigned);
  OwnedRequest attack = r;
  attack.headers.emplace_back("x-amz-copy-source", "/other-bucket/secret");
  attack.headers.emplace_back("x-amz-acl", "public-read");
  CHECK(not_signed_of(attack) == "x-amz-acl, x-amz-copy-source");
  // Not even x-amz-content-sha256 is exempt: in a URL it would name the payload.
  OwnedRequest sha = r;
  sha.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  CHECK(not_signed_of(sha) == "x-amz-content-sha256");
  // Other headers may still be added (browsers add plenty).
  OwnedRequest other = r;
  other.headers.emplace_back("Origin", "http://app.example");
  other.headers.emplace_back("Content-Type", "image/png");
  CHECK(check(other).ok());
}

TEST_CASE("presigned: x-amz-* headers the URL signed are accepted") {
  OwnedRequest r =
      presigned("PUT", "/bucket/upload", {{"Host", "h:1"}, {"x-amz-acl", "private"}}, {"host", "x-amz-acl"});
  REQUIRE(check(r).ok());
  *r.header("x-amz-acl") = "public-read";
  CHECK(code_of(r) == s3::Code::SignatureDoesNotMatch);
}

TEST_CASE("presigned: host must be in X-Amz-SignedHeaders") {
  OwnedRequest r = presigned("GET", "/bucket/key", {{"Host", "h:1"}, {"Range", "bytes=0-1"}}, {"range"});
  CHECK(not_signed_of(r) == "host");
}

TEST_CASE("presigned: a malformed X-Amz-SignedHeaders is AuthorizationQueryParametersError") {
  OwnedRequest r = presigned("GET", "/bucket/key", {{"Host", "h:1"}, {"Range", "bytes=0-1"}}, {"host", "range"});
  REQUIRE(check(r).ok());
  SECTION("unsorted") {
    replace(r.target, "X-Amz-SignedHeaders=host%3Brange", "X-Amz-SignedHeaders=range%3Bhost");
  }
  SECTION("repeated") {
    replace(r.target, "X-Amz-SignedHeaders=host%3Brange", "X-Amz-SignedHeaders=host%3Bhost");
  }
  SECTION("empty") {
    replace(r.target, "X-Amz-SignedHeaders=host%3Brange", "X-Amz-SignedHeaders=");
  }
  CHECK(code_of(r) == s3::Code::AuthorizationQueryParametersError);
}

TEST_CASE("presigned: the payload hash comes from X-Amz-Content-Sha256 or a signed header") {
  const std::string hex = silt::sha256_hex("hello");
  SECTION("query parameter, the JS SDK v3's UNSIGNED-PAYLOAD") {
    OwnedRequest r = presigned("PUT", "/b/k", {{"Host", "h"}}, {"host"}, "UNSIGNED-PAYLOAD",
                               "X-Amz-Content-Sha256=UNSIGNED-PAYLOAD");
    auto id = check(r);
    REQUIRE(id.ok());
    CHECK(id->payload == PayloadMode::Unsigned);
  }
  SECTION("query parameter with a hash: the body is then verified against it") {
    OwnedRequest r = presigned("PUT", "/b/k", {{"Host", "h"}}, {"host"}, hex, "X-Amz-Content-Sha256=" + hex);
    auto id = check(r);
    REQUIRE(id.ok());
    CHECK(id->payload == PayloadMode::Sha256);
    CHECK(id->payload_sha256_hex == hex);
  }
  SECTION("signed header (the Go SDKs)") {
    OwnedRequest r =
        presigned("PUT", "/b/k", {{"Host", "h"}, {"x-amz-content-sha256", hex}}, {"host", "x-amz-content-sha256"}, hex);
    auto id = check(r);
    REQUIRE(id.ok());
    CHECK(id->payload == PayloadMode::Sha256);
  }
  SECTION("streaming in a URL is not implemented") {
    OwnedRequest r = presigned("PUT", "/b/k", {{"Host", "h"}}, {"host"}, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                               "X-Amz-Content-Sha256=STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    CHECK(code_of(r) == s3::Code::NotImplemented);
  }
}

TEST_CASE("SigV2 signs every x-amz-* header: one added after signing breaks the signature") {
  const std::string date = silt::http_date(kNow);
  OwnedRequest r{"PUT", "/bucket/key", {{"Host", "h"}, {"Date", date}}};
  std::string sts = "PUT\n\n\n" + date + "\n/bucket/key";
  r.headers.emplace_back("Authorization", "AWS " + std::string(kAccessKey) + ":" + silt::auth::sign_v2(kSecret, sts));
  REQUIRE(check(r).ok());
  r.headers.emplace_back("x-amz-copy-source", "/other-bucket/secret");
  CHECK(code_of(r) == s3::Code::SignatureDoesNotMatch);
}

TEST_CASE("SigV2 presigned: a header contradicting a signed x-amz-* query parameter is refused") {
  const int64_t expires = kNow / 1000 + 600;
  std::string sts = "PUT\n\n\n" + std::to_string(expires) + "\nx-amz-acl:private\n/bucket/key";
  std::string target = "/bucket/key?AWSAccessKeyId=" + std::string(kAccessKey) + "&Expires=" + std::to_string(expires) +
                       "&x-amz-acl=private&Signature=" + silt::uri_encode(silt::auth::sign_v2(kSecret, sts), false);
  OwnedRequest r{"PUT", target, {{"Host", "h"}}};
  REQUIRE(check(r).ok());
  OwnedRequest same = r;
  same.headers.emplace_back("x-amz-acl", "private");
  CHECK(check(same).ok());
  OwnedRequest other = r;
  other.headers.emplace_back("x-amz-acl", "public-read");
  CHECK(not_signed_of(other) == "x-amz-acl");
  // One the URL did not sign at all breaks the signature.
  OwnedRequest added = r;
  added.headers.emplace_back("x-amz-copy-source", "/other-bucket/secret");
  CHECK(code_of(added) == s3::Code::SignatureDoesNotMatch);
}

TEST_CASE("SigV2 virtual-host: the signature is bound to the Host's bucket") {
  const int64_t expires = kNow / 1000 + 600;
  std::string sts = "GET\n\n\n" + std::to_string(expires) + "\n/bucket-a/key";
  std::string target = "/key?AWSAccessKeyId=" + std::string(kAccessKey) + "&Expires=" + std::to_string(expires) +
                       "&Signature=" + silt::uri_encode(silt::auth::sign_v2(kSecret, sts), false);
  OwnedRequest r{"GET", target, {{"Host", "bucket-a.s3.local"}}};
  silt::auth::RequestView a = r.view();
  a.vhost_bucket = "bucket-a";
  CHECK(silt::auth::authenticate(a, store(), kNow).ok());
  silt::auth::RequestView b = r.view();
  b.vhost_bucket = "bucket-b";
  auto id = silt::auth::authenticate(b, store(), kNow);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == s3::Code::SignatureDoesNotMatch);
  // A URL signed without the bucket (as if the resource were just the path) opens nothing.
  std::string bare = "GET\n\n\n" + std::to_string(expires) + "\n/key";
  OwnedRequest r2{"GET",
                  "/key?AWSAccessKeyId=" + std::string(kAccessKey) + "&Expires=" + std::to_string(expires) +
                      "&Signature=" + silt::uri_encode(silt::auth::sign_v2(kSecret, bare), false),
                  {{"Host", "bucket-b.s3.local"}}};
  silt::auth::RequestView v = r2.view();
  v.vhost_bucket = "bucket-b";
  CHECK_FALSE(silt::auth::authenticate(v, store(), kNow).ok());
}
