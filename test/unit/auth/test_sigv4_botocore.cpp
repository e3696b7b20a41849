// Requests signed by botocore's own S3 signer (botocore_vectors.h and
// botocore_new_vectors.h, from gen_vectors.py): awkward keys, query strings, presigned
// URLs, aws-chunked uploads. Each must verify as sent and fail once any signed byte changes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>

#include "all_vectors.h"
#include "auth/aws_chunked.h"
#include "auth/sigv4.h"
#include "util/hash.h"

using silt::auth::CredentialStore;
using silt::auth::PayloadMode;
using silt::auth::test::BotoCase;
using silt::auth::test::botocore_cases;
using silt::auth::test::kBotoNowMs;
using silt::auth::test::OwnedRequest;

namespace {

CredentialStore boto_store() {
  CredentialStore s;
  s.add({silt::auth::test::kBotoAccessKey, silt::auth::test::kBotoSecretKey, "boto-user"});
  return s;
}

char flip_hex(char c) {
  return c == '0' ? '1' : '0';
}

// Parses "...SignedHeaders=a;b, Signature=..." out of a botocore Authorization value.
std::vector<std::string> signed_header_names(const std::string& auth) {
  size_t start = auth.find("SignedHeaders=") + 14;
  size_t end = auth.find(',', start);
  std::vector<std::string> names;
  std::string list = auth.substr(start, end - start);
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t semi = list.find(';', pos);
    if (semi == std::string::npos) semi = list.size();
    names.push_back(list.substr(pos, semi - pos));
    pos = semi + 1;
  }
  return names;
}

std::string region_of(const std::string& auth) {
  size_t start = auth.find("Credential=");
  size_t a = auth.find('/', start);  // after the access key
  size_t b = auth.find('/', a + 1);  // after the date
  size_t c = auth.find('/', b + 1);  // after the region
  return auth.substr(b + 1, c - b - 1);
}

}  // namespace

TEST_CASE("botocore vectors were generated") {
  CHECK(botocore_vectors::all().size() >= 20);
  CHECK(botocore_new_vectors::all().size() >= 20);
  CHECK(std::string(botocore_vectors::kBotocoreVersion) != botocore_new_vectors::kBotocoreVersion);
}

TEST_CASE("botocore-signed requests authenticate") {
  CredentialStore store = boto_store();
  for (const BotoCase& v : botocore_cases()) {
    DYNAMIC_SECTION(v.label) {
      OwnedRequest req = v.req;
      auto id = silt::auth::authenticate(req.view(), store, kBotoNowMs);
      INFO((id.ok() ? std::string() : id.error().message));
      if (!id.ok()) {
        for (const auto& [k, val] : id.error().extra) INFO(k << ": " << val);
      }
      REQUIRE(id.ok());
      CHECK(id->access_key == silt::auth::test::kBotoAccessKey);
      CHECK(id->presigned == v.presigned);
      CHECK(id->amz_date == "20261122T043015Z");
      CHECK(id->seed_signature.size() == 64);
      if (v.presigned) {
        CHECK(id->payload == PayloadMode::Unsigned);
        CHECK(id->region == "us-east-1");
      } else {
        std::string sha = *req.header("x-amz-content-sha256");
        if (sha == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
          CHECK(id->payload == PayloadMode::StreamingUnsignedTrailer);
        } else {
          CHECK(id->payload == PayloadMode::Sha256);
          CHECK(id->payload_sha256_hex == sha);
        }
        CHECK(id->region == region_of(*req.header("authorization")));
        CHECK(id->scope == "20261122/" + id->region + "/s3/aws4_request");
      }
    }
  }
}

TEST_CASE("botocore-signed requests fail after one changed byte") {
  CredentialStore store = boto_store();
  for (const BotoCase& v : botocore_cases()) {
    DYNAMIC_SECTION(v.label) {
      OwnedRequest req = v.req;
      SECTION("signature") {
        if (v.presigned) {
          size_t pos = req.target.find("X-Amz-Signature=") + 16;
          req.target[pos] = flip_hex(req.target[pos]);
        } else {
          std::string& auth = *req.header("authorization");
          auth.back() = flip_hex(auth.back());
        }
      }
      SECTION("path") {
        REQUIRE(req.target.rfind("/bucket", 0) == 0);
        req.target[1] = 'B';
      }
      SECTION("signed header (host)") {
        std::string& host = *req.header("host");
        host.back() = host.back() == '0' ? '1' : '0';
      }
      auto id = silt::auth::authenticate(req.view(), store, kBotoNowMs);
      REQUIRE_FALSE(id.ok());
      CHECK(id.error().code == s3::Code::SignatureDoesNotMatch);
    }
  }
}

TEST_CASE("botocore-signed requests fail after a query byte changes") {
  CredentialStore store = boto_store();
  for (const BotoCase& v : botocore_cases()) {
    OwnedRequest req = v.req;
    size_t q = req.target.find('?');
    if (q == std::string::npos) continue;
    DYNAMIC_SECTION(v.label) {
      // The first parameter name's first letter, upper-cased (all of botocore's are lower
      // case or 'X' of X-Amz-*, which becomes 'x').
      char& c = req.target[q + 1];
      c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : static_cast<char>(c - 'A' + 'a');
      auto id = silt::auth::authenticate(req.view(), store, kBotoNowMs);
      REQUIRE_FALSE(id.ok());
      // Renaming X-Amz-Algorithm makes the URL a different kind of request altogether.
      CHECK((id.error().code == s3::Code::SignatureDoesNotMatch ||
             id.error().code == s3::Code::AuthorizationQueryParametersError));
    }
  }
}

TEST_CASE("unsigned headers may change without breaking the signature") {
  CredentialStore store = boto_store();
  for (const BotoCase& v : botocore_cases()) {
    OwnedRequest req = v.req;
    std::string* ua = req.header("user-agent");
    if (!ua) continue;
    DYNAMIC_SECTION(v.label) {
      *ua = "something else entirely";
      req.headers.emplace_back("X-Forwarded-For", "10.0.0.1");
      auto id = silt::auth::authenticate(req.view(), store, kBotoNowMs);
      CHECK(id.ok());
    }
  }
}

TEST_CASE("sign_request produces botocore's Authorization header") {
  for (const BotoCase& v : botocore_cases()) {
    if (v.presigned) continue;
    DYNAMIC_SECTION(v.label) {
      OwnedRequest req = v.req;
      const std::string auth = *req.header("authorization");
      std::vector<std::string> names = signed_header_names(auth);
      std::vector<std::pair<std::string, std::string>> headers;
      for (const auto& [name, value] : req.headers) {
        std::string lname = name;
        for (char& c : lname) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (std::find(names.begin(), names.end(), lname) != names.end()) headers.emplace_back(name, value);
      }
      std::string got =
          silt::auth::sign_request(req.method, req.target, headers, *req.header("x-amz-content-sha256"),
                                   silt::auth::test::kBotoAccessKey, silt::auth::test::kBotoSecretKey, region_of(auth));
      CHECK(got == auth);
    }
  }
}

TEST_CASE("botocore request bodies: payload hash and aws-chunked framing") {
  CredentialStore store = boto_store();
  for (const BotoCase& v : botocore_cases()) {
    if (v.body.empty()) continue;
    DYNAMIC_SECTION(v.label) {
      OwnedRequest req = v.req;
      auto id = silt::auth::authenticate(req.view(), store, kBotoNowMs);
      REQUIRE(id.ok());
      if (id->payload == PayloadMode::Sha256) {
        CHECK(silt::sha256_hex(v.body) == id->payload_sha256_hex);
        continue;
      }
      REQUIRE(silt::auth::is_streaming(id->payload));
      const std::string decoded_length = *req.header("x-amz-decoded-content-length");
      const std::string trailer_name = *req.header("x-amz-trailer");
      for (size_t step : {v.body.size(), size_t{1}, size_t{100}}) {
        silt::auth::AwsChunkedDecoder dec(id.value(), {trailer_name});
        std::string out;
        for (size_t i = 0; i < v.body.size(); i += step) {
          auto st = dec.feed(std::string_view(v.body).substr(i, step), out);
          REQUIRE(st.ok());
        }
        INFO("step " << step);
        CHECK(dec.done());
        CHECK(std::to_string(dec.decoded_bytes()) == decoded_length);
        CHECK(out.size() == dec.decoded_bytes());
        REQUIRE(dec.trailers().size() == 1);
        CHECK(dec.trailers()[0].first == trailer_name);
      }
    }
  }
}

TEST_CASE("botocore 1.29's aws-chunked body carries the CRC32 of its payload") {
  CredentialStore store = boto_store();
  for (const BotoCase& v : botocore_cases()) {
    if (v.label.find("streaming unsigned trailer put") == std::string::npos) continue;
    OwnedRequest req = v.req;
    auto id = silt::auth::authenticate(req.view(), store, kBotoNowMs);
    REQUIRE(id.ok());
    silt::auth::AwsChunkedDecoder dec(id.value(), {*req.header("x-amz-trailer")});
    std::string out;
    REQUIRE(dec.feed(v.body, out).ok());
    CHECK(dec.done());
    CHECK(out == "hello world");
    REQUIRE(dec.trailers().size() == 1);
    // crc32("hello world") = 0x0d4a1185, as zlib computes it.
    CHECK(dec.trailers()[0].second == "DUoRhQ==");
  }
}
