// The error a client sees for each way a request can fail authentication.
#include <catch2/catch.hpp>

#include "auth/sigv4.h"
#include "botocore_vectors.h"
#include "request_fixture.h"
#include "util/time.h"

using silt::auth::CredentialStore;
using silt::auth::PayloadMode;
using silt::auth::test::OwnedRequest;

namespace {

constexpr const char* kAccessKey = "AKIDERRORS";
constexpr const char* kSecret = "errors-secret";
constexpr int64_t kNow = 1795321815000LL;  // 2026-11-22T04:30:15Z
constexpr int64_t kMinute = 60 * 1000;

CredentialStore store() {
  CredentialStore s;
  s.add({kAccessKey, kSecret, "errors-user"});
  s.add({botocore_vectors::kAccessKey, botocore_vectors::kSecretKey, "boto-user"});
  return s;
}

// A request signed now (by sign_request, which the botocore vectors pin down).
OwnedRequest signed_get(std::string payload = "UNSIGNED-PAYLOAD", int64_t when = kNow,
                        std::string access_key = kAccessKey) {
  OwnedRequest r{"GET", "/bucket/key?list-type=2", {}};
  r.headers = {{"Host", "localhost:9000"}, {"x-amz-date", silt::amz_date(when)}, {"x-amz-content-sha256", payload}};
  r.headers.emplace_back("Authorization", silt::auth::sign_request(r.method, r.target, r.headers, payload, access_key,
                                                                   kSecret, "us-east-1"));
  return r;
}

const botocore_vectors::Vector& presigned_vector(const std::string& name) {
  for (const auto& v : botocore_vectors::all()) {
    if (v.name == name) return v;
  }
  FAIL("no vector " << name);
  throw 0;
}

OwnedRequest presigned_get() {
  const auto& v = presigned_vector("presigned get with response-content-disposition");  // X-Amz-Expires=600
  OwnedRequest r{v.method, v.target, {}};
  for (const auto& [k, val] : v.headers) r.headers.emplace_back(k, val);
  return r;
}

void replace(std::string& s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
}

s3::Code code_of(const OwnedRequest& r, int64_t now = kNow) {
  auto id = silt::auth::authenticate(r.view(), store(), now);
  REQUIRE_FALSE(id.ok());
  return id.error().code;
}

}  // namespace

TEST_CASE("a freshly signed request is accepted (baseline for the cases below)") {
  auto id = silt::auth::authenticate(signed_get().view(), store(), kNow);
  REQUIRE(id.ok());
  CHECK(id->payload == PayloadMode::Unsigned);
  CHECK(id->user == "errors-user");
}

TEST_CASE("clock skew beyond 15 minutes is RequestTimeTooSkewed") {
  OwnedRequest r = signed_get();
  CHECK(silt::auth::authenticate(r.view(), store(), kNow + 14 * kMinute).ok());
  CHECK(silt::auth::authenticate(r.view(), store(), kNow - 14 * kMinute).ok());
  for (int64_t now : {kNow + 16 * kMinute, kNow - 16 * kMinute}) {
    auto id = silt::auth::authenticate(r.view(), store(), now);
    REQUIRE_FALSE(id.ok());
    CHECK(id.error().code == s3::Code::RequestTimeTooSkewed);
    CHECK(id.error().extra.at("ServerTime") == silt::iso8601_ms(now));
    CHECK(id.error().extra.at("RequestTime") == silt::amz_date(kNow));
  }
}

TEST_CASE("Date is used when x-amz-date is absent") {
  OwnedRequest r{"PUT", "/b/k", {}};
  r.headers = {
      {"Host", "localhost:9000"}, {"Date", silt::http_date(kNow)}, {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
  r.headers.emplace_back("Authorization", silt::auth::sign_request(r.method, r.target, r.headers, "UNSIGNED-PAYLOAD",
                                                                   kAccessKey, kSecret, "us-east-1"));
  auto id = silt::auth::authenticate(r.view(), store(), kNow);
  REQUIRE(id.ok());
  CHECK(id->amz_date == silt::amz_date(kNow));
  CHECK(code_of(r, kNow + 20 * kMinute) == s3::Code::RequestTimeTooSkewed);
}

TEST_CASE("a request with neither x-amz-date nor Date is AccessDenied") {
  OwnedRequest r = signed_get();
  r.headers.erase(r.headers.begin() + 1);  // x-amz-date
  CHECK(code_of(r) == s3::Code::AccessDenied);
}

TEST_CASE("an unknown access key is InvalidAccessKeyId") {
  OwnedRequest r = signed_get("UNSIGNED-PAYLOAD", kNow, "AKIDNOBODY");
  auto id = silt::auth::authenticate(r.view(), store(), kNow);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == s3::Code::InvalidAccessKeyId);
  CHECK(id.error().extra.at("AWSAccessKeyId") == "AKIDNOBODY");
}

TEST_CASE("a signature made with the wrong secret is SignatureDoesNotMatch") {
  OwnedRequest r{"GET", "/b/k", {}};
  r.headers = {{"Host", "h"}, {"x-amz-date", silt::amz_date(kNow)}, {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
  r.headers.emplace_back("Authorization", silt::auth::sign_request(r.method, r.target, r.headers, "UNSIGNED-PAYLOAD",
                                                                   kAccessKey, "not-the-secret", "us-east-1"));
  auto id = silt::auth::authenticate(r.view(), store(), kNow);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == s3::Code::SignatureDoesNotMatch);
  // Like S3, the error carries what the server signed, for the client author to diff.
  CHECK(id.error().extra.count("CanonicalRequest") == 1);
  CHECK(id.error().extra.count("StringToSign") == 1);
}

TEST_CASE("malformed Authorization headers are AuthorizationHeaderMalformed") {
  OwnedRequest r = signed_get();
  std::string& auth = *r.header("authorization");
  SECTION("missing SignedHeaders") {
    replace(auth, "SignedHeaders=host;x-amz-content-sha256;x-amz-date, ", "");
  }
  SECTION("missing Signature") {
    auth = auth.substr(0, auth.find(", Signature="));
  }
  SECTION("credential with too few parts") {
    replace(auth, "/us-east-1/s3/aws4_request", "/us-east-1/s3");
  }
  SECTION("credential date not 8 digits") {
    replace(auth, "/20261122/", "/2026112/");
  }
  SECTION("service other than s3") {
    replace(auth, "/s3/aws4_request", "/ec2/aws4_request");
  }
  SECTION("wrong terminator") {
    replace(auth, "/aws4_request", "/aws5_request");
  }
  SECTION("scope date differs from x-amz-date") {
    replace(auth, "/20261122/", "/20261121/");
  }
  SECTION("empty SignedHeaders") {
    replace(auth, "SignedHeaders=host;x-amz-content-sha256;x-amz-date", "SignedHeaders=");
  }
  CHECK(code_of(r) == s3::Code::AuthorizationHeaderMalformed);
}

TEST_CASE("other Authorization schemes are refused") {
  OwnedRequest r = signed_get();
  *r.header("authorization") = "Bearer abc";
  CHECK(code_of(r) == s3::Code::InvalidArgument);
  *r.header("authorization") = "AWS4-HMAC-SHA512 Credential=x";
  CHECK(code_of(r) == s3::Code::InvalidArgument);
  // "AWS key:sig" is SigV2 (test_sigv2.cpp): a wrong signature there is a mismatch.
  *r.header("authorization") = "AWS AKIDERRORS:c2lnbmF0dXJl";
  CHECK(code_of(r) == s3::Code::SignatureDoesNotMatch);
}

TEST_CASE("any region in the credential scope is accepted") {
  for (const char* region : {"us-east-1", "us-east-2", "garage", "external", "local"}) {
    OwnedRequest r{"GET", "/b/k", {}};
    r.headers = {{"Host", "h:1"}, {"x-amz-date", silt::amz_date(kNow)}, {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
    r.headers.emplace_back("Authorization", silt::auth::sign_request(r.method, r.target, r.headers, "UNSIGNED-PAYLOAD",
                                                                     kAccessKey, kSecret, region));
    auto id = silt::auth::authenticate(r.view(), store(), kNow);
    REQUIRE(id.ok());
    CHECK(id->region == region);
  }
}

TEST_CASE("x-amz-content-sha256: every known mode, missing header, unknown sentinels") {
  using PM = PayloadMode;
  const std::string hex = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
  for (auto [value, mode] : std::vector<std::pair<std::string, PM>>{
           {hex, PM::Sha256},
           {"UNSIGNED-PAYLOAD", PM::Unsigned},
           {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", PM::StreamingSigned},
           {"STREAMING-UNSIGNED-PAYLOAD-TRAILER", PM::StreamingUnsignedTrailer},
           {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", PM::StreamingSignedTrailer}}) {
    auto id = silt::auth::authenticate(signed_get(value).view(), store(), kNow);
    REQUIRE(id.ok());
    CHECK(id->payload == mode);
    if (mode == PM::Sha256)
      CHECK(id->payload_sha256_hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
  for (const char* unknown :
       {"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER", "garbage",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"}) {
    INFO(unknown);
    CHECK(code_of(signed_get(unknown)) == s3::Code::NotImplemented);
  }
  // Missing on a request with a body (a bodyless one is the empty payload: see
  // test_signed_headers.cpp).
  OwnedRequest missing = signed_get();
  missing.headers.erase(missing.headers.begin() + 2);  // x-amz-content-sha256
  missing.headers.emplace_back("Content-Length", "5");
  auto id = silt::auth::authenticate(missing.view(), store(), kNow);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == s3::Code::InvalidRequest);
  CHECK(id.error().message == "Missing required header for this request: x-amz-content-sha256");
}

TEST_CASE("presigned URL expiry") {
  OwnedRequest r = presigned_get();
  const int64_t signed_at = botocore_vectors::kNowMs;
  CHECK(silt::auth::authenticate(r.view(), store(), signed_at + 599 * 1000).ok());
  // Presigned URLs are not bound by the 15-minute skew window, only by X-Amz-Expires...
  auto late = silt::auth::authenticate(r.view(), store(), signed_at + 601 * 1000);
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().code == s3::Code::AccessDenied);
  CHECK(late.error().message == "Request has expired");
  // ...except that a URL dated in the future is refused too.
  CHECK(silt::auth::authenticate(r.view(), store(), signed_at - 14 * kMinute).ok());
  CHECK(code_of(r, signed_at - 16 * kMinute) == s3::Code::AccessDenied);
}

TEST_CASE("presigned URL X-Amz-Expires out of range or not a number") {
  OwnedRequest r = presigned_get();
  for (const char* bad : {"604801", "0", "-1", "abc", "99999999999999999999", ""}) {
    OwnedRequest t = r;
    replace(t.target, "X-Amz-Expires=600", std::string("X-Amz-Expires=") + bad);
    INFO(bad);
    CHECK(code_of(t) == s3::Code::AuthorizationQueryParametersError);
  }
  // The limit itself is fine as far as parsing goes (the signature then fails, since
  // the URL was signed with 600).
  OwnedRequest week = r;
  replace(week.target, "X-Amz-Expires=600", "X-Amz-Expires=604800");
  CHECK(code_of(week) == s3::Code::SignatureDoesNotMatch);
}

TEST_CASE("presigned URL with missing or malformed parameters") {
  OwnedRequest r = presigned_get();
  SECTION("no X-Amz-Credential") {
    size_t a = r.target.find("&X-Amz-Credential=");
    r.target.erase(a, r.target.find('&', a + 1) - a);
  }
  SECTION("bad X-Amz-Date") {
    replace(r.target, "X-Amz-Date=20261122T043015Z", "X-Amz-Date=2026-11-22");
  }
  SECTION("other algorithm") {
    replace(r.target, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA512");
  }
  SECTION("service other than s3") {
    replace(r.target, "%2Fs3%2F", "%2Fiam%2F");
  }
  CHECK(code_of(r) == s3::Code::AuthorizationQueryParametersError);
}

TEST_CASE("presigned URL with an unknown access key") {
  OwnedRequest r = presigned_get();
  replace(r.target, "X-Amz-Credential=AKIDSILTTEST", "X-Amz-Credential=AKIDNOBODY");
  CHECK(code_of(r) == s3::Code::InvalidAccessKeyId);
}

TEST_CASE("anonymous requests and mixed auth mechanisms") {
  OwnedRequest anon{"GET", "/bucket/key?list-type=2", {{"Host", "h"}}};
  CHECK(silt::auth::is_anonymous(anon.view()));
  CHECK_FALSE(silt::auth::is_anonymous(signed_get().view()));
  CHECK_FALSE(silt::auth::is_anonymous(presigned_get().view()));
  CHECK(code_of(anon) == s3::Code::AccessDenied);

  OwnedRequest both = presigned_get();
  both.headers.emplace_back("Authorization", *signed_get().header("authorization"));
  CHECK(code_of(both) == s3::Code::InvalidArgument);
}

TEST_CASE("header values are canonicalised: trimmed, whitespace runs collapsed, repeats joined") {
  OwnedRequest r{"PUT", "/b/k", {}};
  r.headers = {{"Host", "h"},
               {"x-amz-date", silt::amz_date(kNow)},
               {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
               {"x-amz-meta-a", "  one \t  two  "},
               {"X-Amz-Meta-A", "three"}};
  const std::string auth =
      silt::auth::sign_request(r.method, r.target, r.headers, "UNSIGNED-PAYLOAD", kAccessKey, kSecret, "us-east-1");
  r.headers.emplace_back("Authorization", auth);
  REQUIRE(silt::auth::authenticate(r.view(), store(), kNow).ok());

  // The same headers as another client might space them sign identically...
  OwnedRequest same = r;
  *same.header("x-amz-meta-a") = "one two";
  CHECK(silt::auth::authenticate(same.view(), store(), kNow).ok());
  // ...but the order of repeated values is part of what was signed.
  OwnedRequest swapped = r;
  std::swap(swapped.headers[3].second, swapped.headers[4].second);
  CHECK(code_of(swapped) == s3::Code::SignatureDoesNotMatch);
}
