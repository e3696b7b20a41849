// AWS's published SigV4 examples for S3 ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk" and "... in Multiple Chunks"), with
// the signatures as AWS prints them.
#include <catch2/catch.hpp>

#include "auth/aws_chunked.h"
#include "auth/sigv4.h"
#include "request_fixture.h"
#include "util/hash.h"

using silt::auth::AwsChunkedDecoder;
using silt::auth::CredentialStore;
using silt::auth::PayloadMode;
using silt::auth::test::OwnedRequest;

namespace {

constexpr const char* kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr int64_t kExampleTimeMs = 1369353600000LL;  // 2013-05-24T00:00:00Z
constexpr const char* kHost = "examplebucket.s3.amazonaws.com";

CredentialStore example_store() {
  CredentialStore s;
  s.add({kAccessKey, kSecret, "example-user"});
  return s;
}

std::string authorization(const std::string& signed_headers, const std::string& signature) {
  return std::string("AWS4-HMAC-SHA256 Credential=") + kAccessKey +
         "/20130524/us-east-1/s3/aws4_request,SignedHeaders=" + signed_headers + ",Signature=" + signature;
}

struct Example {
  const char* name;
  OwnedRequest req;
  std::string signed_headers;
  std::string signature;
};

std::vector<Example> examples() {
  std::vector<Example> v;
  v.push_back({"GET Object",
               {"GET",
                "/test.txt",
                {{"Host", kHost},
                 {"Range", "bytes=0-9"},
                 {"x-amz-content-sha256", kEmptySha},
                 {"x-amz-date", "20130524T000000Z"}}},
               "host;range;x-amz-content-sha256;x-amz-date",
               "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"});
  v.push_back({"PUT Object",
               {"PUT",
                "/test%24file.text",
                {{"Host", kHost},
                 {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                 {"x-amz-date", "20130524T000000Z"},
                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                 {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}}},
               "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
               "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"});
  v.push_back({"GET Bucket Lifecycle",
               {"GET",
                "/?lifecycle",
                {{"Host", kHost}, {"x-amz-content-sha256", kEmptySha}, {"x-amz-date", "20130524T000000Z"}}},
               "host;x-amz-content-sha256;x-amz-date",
               "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"});
  v.push_back({"Get Bucket (List Objects)",
               {"GET",
                "/?max-keys=2&prefix=J",
                {{"Host", kHost}, {"x-amz-content-sha256", kEmptySha}, {"x-amz-date", "20130524T000000Z"}}},
               "host;x-amz-content-sha256;x-amz-date",
               "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"});
  return v;
}

}  // namespace

TEST_CASE("the PUT example's body hashes to its published x-amz-content-sha256") {
  CHECK(silt::sha256_hex("Welcome to Amazon S3.") ==
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST_CASE("AWS single-chunk examples authenticate with their published signatures") {
  CredentialStore store = example_store();
  for (Example& ex : examples()) {
    DYNAMIC_SECTION(ex.name) {
      ex.req.headers.emplace_back("Authorization", authorization(ex.signed_headers, ex.signature));
      auto id = silt::auth::authenticate(ex.req.view(), store, kExampleTimeMs);
      INFO((id.ok() ? std::string() : id.error().message));
      REQUIRE(id.ok());
      CHECK(id->access_key == kAccessKey);
      CHECK(id->user == "example-user");
      CHECK_FALSE(id->presigned);
      CHECK(id->seed_signature == ex.signature);
      CHECK(id->scope == "20130524/us-east-1/s3/aws4_request");
      CHECK(id->region == "us-east-1");
      CHECK(id->amz_date == "20130524T000000Z");
      CHECK(id->signing_key == silt::auth::derive_signing_key(kSecret, "20130524", "us-east-1", "s3"));
      CHECK(id->payload == PayloadMode::Sha256);
      CHECK(id->payload_sha256_hex == *ex.req.header("x-amz-content-sha256"));
    }
  }
}

TEST_CASE("AWS single-chunk examples are rejected with a wrong signature") {
  CredentialStore store = example_store();
  for (Example& ex : examples()) {
    DYNAMIC_SECTION(ex.name) {
      std::string sig = ex.signature;
      sig[10] = sig[10] == '0' ? '1' : '0';
      ex.req.headers.emplace_back("Authorization", authorization(ex.signed_headers, sig));
      auto id = silt::auth::authenticate(ex.req.view(), store, kExampleTimeMs);
      REQUIRE_FALSE(id.ok());
      CHECK(id.error().code == s3::Code::SignatureDoesNotMatch);
    }
  }
}

TEST_CASE("sign_request reproduces the published signatures") {
  for (Example& ex : examples()) {
    DYNAMIC_SECTION(ex.name) {
      std::string payload = *ex.req.header("x-amz-content-sha256");
      std::string auth = silt::auth::sign_request(ex.req.method, ex.req.target, ex.req.headers, payload, kAccessKey,
                                                  kSecret, "us-east-1");
      // botocore separates the components with ", "; the AWS page with ",".
      CHECK(auth == std::string("AWS4-HMAC-SHA256 Credential=") + kAccessKey +
                        "/20130524/us-east-1/s3/aws4_request, SignedHeaders=" + ex.signed_headers +
                        ", Signature=" + ex.signature);
    }
  }
}

TEST_CASE("canonical_query follows the examples' rules") {
  CHECK(silt::auth::canonical_query("lifecycle", false) == "lifecycle=");
  CHECK(silt::auth::canonical_query("prefix=J&max-keys=2", false) == "max-keys=2&prefix=J");
  CHECK(silt::auth::canonical_query("", false).empty());
  // Every spelling of the same value lands on the RFC 3986 form, hex in upper case.
  CHECK(silt::auth::canonical_query("prefix=a%20b", false) == "prefix=a%20b");
  CHECK(silt::auth::canonical_query("prefix=a+b", false) == "prefix=a%20b");
  CHECK(silt::auth::canonical_query("prefix=a%2bb", false) == "prefix=a%2Bb");
  CHECK(silt::auth::canonical_query("prefix=%2a%7E", false) == "prefix=%2A~");
  CHECK(silt::auth::canonical_query("prefix=a/b", false) == "prefix=a%2Fb");
  // Sorted by encoded name, then by value.
  CHECK(silt::auth::canonical_query("b=2&a=2&a=1&A=3", false) == "A=3&a=1&a=2&b=2");
  CHECK(silt::auth::canonical_query("X-Amz-Signature=abc&X-Amz-Date=1", true) == "X-Amz-Date=1");
  CHECK(silt::auth::canonical_query("X-Amz-Signature=abc&X-Amz-Date=1", false) == "X-Amz-Date=1&X-Amz-Signature=abc");
}

// The chunked upload example: seed request, then 64 KiB + 1 KiB of 'a' and the final
// empty chunk, each with its published chunk signature.
namespace {

OwnedRequest chunked_example_request() {
  return {"PUT",
          "/examplebucket/chunkObject.txt",
          {{"Host", "s3.amazonaws.com"},
           {"x-amz-date", "20130524T000000Z"},
           {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
           {"Authorization",
            authorization("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-"
                          "content-length;x-amz-storage-class",
                          "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")},
           {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
           {"Content-Encoding", "aws-chunked"},
           {"x-amz-decoded-content-length", "66560"},
           {"Content-Length", "66824"}}};
}

std::string chunked_example_body() {
  return "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
         std::string(65536, 'a') + "\r\n" +
         "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
         std::string(1024, 'a') + "\r\n" +
         "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
}

}  // namespace

TEST_CASE("AWS chunked upload example: seed request and published chunk signatures") {
  CredentialStore store = example_store();
  OwnedRequest req = chunked_example_request();
  auto id = silt::auth::authenticate(req.view(), store, kExampleTimeMs);
  INFO((id.ok() ? std::string() : id.error().message));
  REQUIRE(id.ok());
  CHECK(id->payload == PayloadMode::StreamingSigned);
  CHECK(id->seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");

  std::string body = chunked_example_body();
  REQUIRE(body.size() == 66824);  // the example's Content-Length

  size_t step = GENERATE(as<size_t>{}, 66824, 1, 7, 4096, 65536);
  DYNAMIC_SECTION("fed " << step << " bytes at a time") {
    AwsChunkedDecoder dec(id.value(), {});
    std::string out;
    for (size_t i = 0; i < body.size(); i += step) {
      auto st = dec.feed(std::string_view(body).substr(i, step), out);
      INFO("offset " << i);
      REQUIRE(st.ok());
      // Done once the final chunk is verified; its closing CRLF is optional.
      if (i + step < body.size() - 2) REQUIRE_FALSE(dec.done());
    }
    CHECK(dec.done());
    CHECK(dec.decoded_bytes() == 66560);
    CHECK(out == std::string(66560, 'a'));
    CHECK(dec.trailers().empty());
  }
}

TEST_CASE("AWS chunked upload example: a tampered chunk is refused") {
  CredentialStore store = example_store();
  OwnedRequest req = chunked_example_request();
  auto id = silt::auth::authenticate(req.view(), store, kExampleTimeMs);
  REQUIRE(id.ok());
  std::string body = chunked_example_body();

  SECTION("one byte of chunk data changed") {
    body[200] = 'b';
  }
  SECTION("one hex digit of the second chunk signature changed") {
    size_t pos = body.find("400;chunk-signature=") + 20;
    body[pos] = body[pos] == '0' ? '1' : '0';
  }
  SECTION("one hex digit of the final chunk signature changed") {
    size_t pos = body.find("0;chunk-signature=b6c6") + 18;
    body[pos] = 'c';
  }
  AwsChunkedDecoder dec(id.value(), {});
  std::string out;
  auto st = dec.feed(body, out);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == s3::Code::SignatureDoesNotMatch);
  CHECK_FALSE(dec.done());
  // The failure sticks: later input cannot revive the stream.
  auto again = dec.feed("\r\n", out);
  CHECK_FALSE(again.ok());
}

TEST_CASE("AWS trailing-header example: published chunk and trailer signatures") {
  // "Signature Calculations for the Authorization Header: Including Trailing Headers":
  // same 66560 bytes of 'a', seed signature and chain as published.
  silt::auth::Identity id;
  id.payload = PayloadMode::StreamingSignedTrailer;
  id.signing_key = silt::auth::derive_signing_key(kSecret, "20130524", "us-east-1", "s3");
  id.seed_signature = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
  id.amz_date = "20130524T000000Z";
  id.scope = "20130524/us-east-1/s3/aws4_request";
  id.region = "us-east-1";

  std::string chunks = "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n" +
                       std::string(65536, 'a') + "\r\n" +
                       "400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n" +
                       std::string(1024, 'a') + "\r\n" +
                       "0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n";
  std::string trailer =
      "x-amz-checksum-crc32c:sOO8/Q==\r\n"
      "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n";

  // Encoders differ on the blank lines around the trailer block; all of these occur.
  std::string body;
  SECTION("trailer right after the 0-chunk, closing blank line") {
    body = chunks + trailer + "\r\n";
  }
  SECTION("blank line after the 0-chunk, as printed in some copies") {
    body = chunks + "\r\n" + trailer + "\r\n";
  }
  SECTION("no closing blank line") {
    body = chunks + trailer;
  }

  for (size_t step : {body.size(), size_t{1}, size_t{777}}) {
    AwsChunkedDecoder dec(id, {"x-amz-checksum-crc32c"});
    std::string out;
    for (size_t i = 0; i < body.size(); i += step) {
      auto st = dec.feed(std::string_view(body).substr(i, step), out);
      INFO("step " << step << " offset " << i);
      REQUIRE(st.ok());
    }
    CHECK(dec.done());
    CHECK(out == std::string(66560, 'a'));
    REQUIRE(dec.trailers().size() == 1);
    CHECK(dec.trailers()[0].first == "x-amz-checksum-crc32c");
    CHECK(dec.trailers()[0].second == "sOO8/Q==");
  }
}

TEST_CASE("AWS trailing-header example: a changed trailer value is refused") {
  silt::auth::Identity id;
  id.payload = PayloadMode::StreamingSignedTrailer;
  id.signing_key = silt::auth::derive_signing_key(kSecret, "20130524", "us-east-1", "s3");
  id.seed_signature = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
  id.amz_date = "20130524T000000Z";
  id.scope = "20130524/us-east-1/s3/aws4_request";
  std::string body = "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n" +
                     std::string(65536, 'a') + "\r\n" +
                     "400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n" +
                     std::string(1024, 'a') + "\r\n" +
                     "0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n";
  SECTION("value changed") {
    body +=
        "x-amz-checksum-crc32c:sOO8/A==\r\n"
        "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n";
  }
  SECTION("signature missing") {
    body += "x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n";
  }
  AwsChunkedDecoder dec(id, {"x-amz-checksum-crc32c"});
  std::string out;
  auto st = dec.feed(body, out);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == s3::Code::SignatureDoesNotMatch);
  CHECK_FALSE(dec.done());
}
