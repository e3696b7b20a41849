// aws-chunked bodies in the shapes real clients send them (botocore's
// AwsChunkedWrapper for unsigned trailers; signed chunks and signed trailers as the Java
// SDKs send them), split at every possible byte boundary.
#include <catch2/catch.hpp>
#include <sstream>

#include "auth/aws_chunked.h"
#include "auth/chunk_verifier.h"
#include "auth/sigv4.h"
#include "botocore_vectors.h"
#include "request_fixture.h"
#include "util/hash.h"

using silt::auth::AwsChunkedDecoder;
using silt::auth::Identity;
using silt::auth::PayloadMode;

namespace {

constexpr const char* kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Decoded {
  s3::Status status;
  std::string out;
  bool done = false;
  uint64_t decoded = 0;
  std::vector<std::pair<std::string, std::string>> trailers;
};

// declared: the names x-amz-trailer announces; by default the ones these tests send.
Decoded decode(const Identity& id, std::string_view body, size_t step,
               std::vector<std::string> declared = {"x-amz-checksum-crc32", "x-amz-checksum-crc32c"}) {
  AwsChunkedDecoder dec(id, std::move(declared));
  Decoded d;
  for (size_t i = 0; i < body.size() && d.status.ok(); i += step) d.status = dec.feed(body.substr(i, step), d.out);
  d.done = dec.done();
  d.decoded = dec.decoded_bytes();
  d.trailers = dec.trailers();
  return d;
}

// Identity of the botocore-signed STREAMING-UNSIGNED-PAYLOAD-TRAILER request.
Identity unsigned_trailer_identity() {
  silt::auth::CredentialStore store;
  store.add({botocore_vectors::kAccessKey, botocore_vectors::kSecretKey, "boto-user"});
  for (const auto& v : botocore_vectors::all()) {
    if (std::string(v.name) != "streaming unsigned trailer put") continue;
    silt::auth::test::OwnedRequest r{v.method, v.target, {}};
    for (const auto& [k, val] : v.headers) r.headers.emplace_back(k, val);
    auto id = silt::auth::authenticate(r.view(), store, botocore_vectors::kNowMs);
    REQUIRE(id.ok());
    REQUIRE(id->payload == PayloadMode::StreamingUnsignedTrailer);
    return id.value();
  }
  FAIL("vector missing");
  return {};
}

// A signing client for the signed modes, written straight from the AWS documentation's
// formulas (independently of the decoder); the chain itself is pinned by the published
// examples in test_sigv4_aws_examples.cpp.
struct ChunkSigner {
  Identity id;
  std::string prev;

  std::string hmac_hex(const std::string& sts) const {
    return silt::hex_encode(silt::hmac_sha256_raw(id.signing_key, sts));
  }
  std::string chunk(const std::string& data) {
    prev = hmac_hex("AWS4-HMAC-SHA256-PAYLOAD\n" + id.amz_date + "\n" + id.scope + "\n" + prev + "\n" + kEmptySha +
                    "\n" + silt::sha256_hex(data));
    std::ostringstream size;
    size << std::hex << data.size();
    return size.str() + ";chunk-signature=" + prev + "\r\n" + data + "\r\n";
  }
  std::string final_chunk() {
    std::string c = chunk("");
    return c.substr(0, c.size() - 2);  // "0;chunk-signature=..\r\n" (no data, so no data CRLF)
  }
  std::string trailer_signature(const std::string& canonical_trailers) const {
    return hmac_hex("AWS4-HMAC-SHA256-TRAILER\n" + id.amz_date + "\n" + id.scope + "\n" + prev + "\n" +
                    silt::sha256_hex(canonical_trailers));
  }
};

Identity signed_identity(PayloadMode mode) {
  Identity id;
  id.payload = mode;
  id.signing_key = silt::auth::derive_signing_key("chunk-secret", "20261122", "garage", "s3");
  id.seed_signature = std::string(64, 'f');
  id.amz_date = "20261122T043015Z";
  id.scope = "20261122/garage/s3/aws4_request";
  id.region = "garage";
  return id;
}

std::string payload_of(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return s;
}

}  // namespace

TEST_CASE("unsigned trailer, exactly as botocore's AwsChunkedWrapper frames it") {
  Identity id = unsigned_trailer_identity();
  // crc32("hello world") = 0x0d4a1185, base64 of its big-endian bytes.
  const std::string body = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  for (size_t step : {body.size(), size_t{1}, size_t{2}, size_t{5}}) {
    Decoded d = decode(id, body, step);
    INFO("step " << step);
    REQUIRE(d.status.ok());
    CHECK(d.done);
    CHECK(d.out == "hello world");
    CHECK(d.decoded == 11);
    REQUIRE(d.trailers.size() == 1);
    CHECK(d.trailers[0] == std::make_pair(std::string("x-amz-checksum-crc32"), std::string("DUoRhQ==")));
  }
}

TEST_CASE("unsigned trailer: several chunks, uppercase hex sizes, no checksum") {
  Identity id = unsigned_trailer_identity();
  std::string data = payload_of(3000);
  std::string body = "400\r\n" + data.substr(0, 1024) + "\r\n" + "7B8\r\n" + data.substr(1024) + "\r\n" + "0\r\n\r\n";
  for (size_t step : {body.size(), size_t{1}, size_t{1023}}) {
    Decoded d = decode(id, body, step);
    REQUIRE(d.status.ok());
    CHECK(d.done);
    CHECK(d.out == data);
    CHECK(d.trailers.empty());
  }
}

TEST_CASE("unsigned trailer: needs no trailer signature, and ignores chunk extensions") {
  Identity id = unsigned_trailer_identity();
  const std::string body = "5;ext=1\r\nhello\r\n0\r\nx-amz-checksum-crc32c:abcd\r\n\r\n";
  Decoded d = decode(id, body, 1);
  REQUIRE(d.status.ok());
  CHECK(d.done);
  CHECK(d.out == "hello");
}

TEST_CASE("truncated bodies are never done") {
  Identity id = unsigned_trailer_identity();
  const std::string body = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  // Every proper prefix: inside a size line, the data, the trailer, or before the last CRLF.
  for (size_t cut = 0; cut < body.size(); ++cut) {
    Decoded d = decode(id, body.substr(0, cut), 1);
    INFO("cut at " << cut);
    CHECK(d.status.ok());
    CHECK_FALSE(d.done);
  }
}

TEST_CASE("signed chunks: a client's body decodes at any split") {
  Identity id = signed_identity(PayloadMode::StreamingSigned);
  ChunkSigner s{id, id.seed_signature};
  std::string data = payload_of(200000);
  // Sizes like the Java SDKs' 128 KiB, plus chunks far below AWS's 8 KiB minimum.
  // Appended one by one: each signature chains from the one before.
  std::string body = s.chunk(data.substr(0, 131072));
  body += s.chunk(data.substr(131072, 10));
  body += s.chunk(data.substr(131082));
  body += s.final_chunk() + "\r\n";
  for (size_t step : {body.size(), size_t{1}, size_t{3}, size_t{8192}}) {
    Decoded d = decode(id, body, step);
    INFO("step " << step);
    INFO((d.status.ok() ? std::string() : d.status.error().message));
    REQUIRE(d.status.ok());
    CHECK(d.done);
    CHECK(d.out == data);
    CHECK(d.decoded == data.size());
  }
}

TEST_CASE("signed chunks: the closing CRLF is optional, anything else after the end is not") {
  Identity id = signed_identity(PayloadMode::StreamingSigned);
  ChunkSigner s{id, id.seed_signature};
  std::string body = s.chunk("abc");
  body += s.final_chunk();
  Decoded without = decode(id, body, 1);
  REQUIRE(without.status.ok());
  CHECK(without.done);

  Decoded extra = decode(id, body + "\r\nX", 1);
  CHECK_FALSE(extra.status.ok());
  CHECK_FALSE(extra.done);
}

TEST_CASE("signed chunks: truncated before the final chunk is not done") {
  Identity id = signed_identity(PayloadMode::StreamingSigned);
  ChunkSigner s{id, id.seed_signature};
  std::string first = s.chunk("first chunk");
  std::string body = first;
  body += s.final_chunk() + "\r\n";
  for (size_t cut : {size_t{0}, size_t{10}, first.size() - 1, first.size(), first.size() + 20}) {
    Decoded d = decode(id, body.substr(0, cut), 1);
    INFO("cut at " << cut);
    CHECK(d.status.ok());
    CHECK_FALSE(d.done);
  }
}

TEST_CASE("signed chunks: corrupted, reordered, missing or unchained signatures are refused") {
  Identity id = signed_identity(PayloadMode::StreamingSigned);
  ChunkSigner s{id, id.seed_signature};
  std::string c1 = s.chunk("one");
  std::string c2 = s.chunk("two");
  std::string end = s.final_chunk() + "\r\n";
  std::string body;
  SECTION("corrupted signature") {
    body = c1 + c2 + end;
    body[body.find("chunk-signature=", c1.size()) + 16] ^= 1;
  }
  SECTION("chunks swapped") {
    body = c2 + c1 + end;
  }
  SECTION("final chunk dropped onto a different chain") {
    ChunkSigner other{id, std::string(64, 'e')};
    body = c1 + c2 + other.final_chunk() + "\r\n";
  }
  SECTION("signature missing") {
    body = "3\r\none\r\n" + end;
  }
  SECTION("data changed") {
    body = c1 + c2 + end;
    body[body.find("two")] = 'T';
  }
  for (size_t step : {body.size(), size_t{1}}) {
    Decoded d = decode(id, body, step);
    REQUIRE_FALSE(d.status.ok());
    CHECK(d.status.error().code == s3::Code::SignatureDoesNotMatch);
    CHECK_FALSE(d.done);
  }
}

TEST_CASE("signed trailer: chunks, trailer lines and the trailer signature") {
  Identity id = signed_identity(PayloadMode::StreamingSignedTrailer);
  ChunkSigner s{id, id.seed_signature};
  std::string data = payload_of(70000);
  std::string chunks = s.chunk(data.substr(0, 65536));
  chunks += s.chunk(data.substr(65536));
  chunks += s.final_chunk();
  const std::string canonical = "x-amz-checksum-crc32:AAAAAA==\n";
  std::string trailer =
      "x-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:" + s.trailer_signature(canonical) + "\r\n\r\n";
  std::string body = chunks + trailer;
  for (size_t step : {body.size(), size_t{1}, size_t{4096}}) {
    Decoded d = decode(id, body, step);
    INFO("step " << step);
    REQUIRE(d.status.ok());
    CHECK(d.done);
    CHECK(d.out == data);
    REQUIRE(d.trailers.size() == 1);
    CHECK(d.trailers[0].first == "x-amz-checksum-crc32");
    CHECK(d.trailers[0].second == "AAAAAA==");
  }

  SECTION("tampered trailer value") {
    std::string bad = body;
    bad[bad.find("AAAAAA==")] = 'B';
    Decoded d = decode(id, bad, 1);
    REQUIRE_FALSE(d.status.ok());
    CHECK(d.status.error().code == s3::Code::SignatureDoesNotMatch);
  }
  SECTION("truncated inside the trailer") {
    Decoded d = decode(id, body.substr(0, chunks.size() + 20), 1);
    CHECK(d.status.ok());
    CHECK_FALSE(d.done);
  }
}

TEST_CASE("framing errors") {
  Identity id = unsigned_trailer_identity();
  for (std::string body :
       {std::string("zz\r\nhello"), std::string("5\r\nhelloXX0\r\n\r\n"), std::string("0\r\nno-colon-here\r\n\r\n"),
        std::string("0\r\n\r\n\r\nextra"), std::string(5000, '1')}) {
    INFO(body.substr(0, 40));
    Decoded d = decode(id, body, 1);
    REQUIRE_FALSE(d.status.ok());
    CHECK(d.status.error().code == s3::Code::InvalidRequest);
    CHECK_FALSE(d.done);
  }
}

TEST_CASE("a large chunk streams through without waiting for its end") {
  Identity id = unsigned_trailer_identity();
  AwsChunkedDecoder dec(id, {});
  std::string out;
  REQUIRE(dec.feed("100000\r\n", out).ok());  // 1 MiB chunk announced
  std::string piece(4096, 'z');
  REQUIRE(dec.feed(piece, out).ok());
  CHECK(out.size() == 4096);  // handed over as it arrived
  CHECK(dec.decoded_bytes() == 4096);
  CHECK_FALSE(dec.done());
}

TEST_CASE("trailers: only those x-amz-trailer declares, each once, a handful at most") {
  Identity id = unsigned_trailer_identity();
  const std::string head = "5\r\nhello\r\n0\r\n";
  auto refused = [&](const std::string& trailers, std::vector<std::string> declared) {
    for (size_t step : {size_t{1}, trailers.size() + head.size()}) {
      Decoded d = decode(id, head + trailers, step, declared);
      INFO(trailers.substr(0, 60) << " step " << step);
      REQUIRE_FALSE(d.status.ok());
      CHECK(d.status.error().code == s3::Code::MalformedTrailerError);
      CHECK_FALSE(d.done);
    }
  };
  SECTION("declared and sent once: accepted") {
    Decoded d = decode(id, head + "x-amz-checksum-sha256:AAAA\r\n\r\n", 1, {"x-amz-checksum-sha256"});
    REQUIRE(d.status.ok());
    CHECK(d.done);
    CHECK(d.trailers.size() == 1);
  }
  SECTION("not declared") {
    refused("x-amz-checksum-sha256:AAAA\r\n\r\n", {"x-amz-checksum-crc32"});
  }
  SECTION("nothing declared") {
    refused("x-amz-checksum-crc32:AAAA\r\n\r\n", {});
  }
  SECTION("declared, sent twice") {
    refused("x-amz-checksum-crc32:AAAA\r\nx-amz-checksum-crc32:BBBB\r\n\r\n", {"x-amz-checksum-crc32"});
  }
  SECTION("more lines than kMaxTrailerLines, all declared") {
    std::vector<std::string> names;
    std::string trailers;
    for (size_t i = 0; i <= AwsChunkedDecoder::kMaxTrailerLines; ++i) {
      names.push_back("x-t" + std::to_string(i));
      trailers += names.back() + ":v\r\n";
    }
    refused(trailers + "\r\n", names);
    names.pop_back();
    Decoded ok = decode(id, head + trailers.substr(0, trailers.rfind("x-t")) + "\r\n", 1, names);
    CHECK(ok.status.ok());
    CHECK(ok.trailers.size() == AwsChunkedDecoder::kMaxTrailerLines);
  }
  SECTION("a trailer line that never ends fails at kMaxLine, not at the end of the body") {
    AwsChunkedDecoder dec(id, {"x-amz-checksum-crc32"});
    std::string out;
    REQUIRE(dec.feed(head + "x-amz-checksum-crc32:", out).ok());
    s3::Status st;
    size_t fed = 0;
    for (std::string piece(1000, 'A'); st.ok() && fed < 1'000'000; fed += piece.size()) st = dec.feed(piece, out);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == s3::Code::MalformedTrailerError);
    CHECK(fed <= AwsChunkedDecoder::kMaxLine + 1000);
  }
  SECTION("unsigned bodies: repeated x-amz-trailer-signature lines count too") {
    std::string trailers;
    for (int i = 0; i < 100; ++i) trailers += "x-amz-trailer-signature:" + std::string(64, '0') + "\r\n";
    refused(trailers + "\r\n", {});
  }
}

TEST_CASE("a chunk-size line or extension that never ends fails at kMaxLine") {
  Identity id = unsigned_trailer_identity();
  for (std::string start : {std::string("1"), std::string("5;"), std::string("5;chunk-signature=")}) {
    AwsChunkedDecoder dec(id, {});
    std::string out;
    s3::Status st = dec.feed(start, out);
    size_t fed = 0;
    for (std::string piece(1000, start.size() == 1 ? '1' : 'e'); st.ok() && fed < 1'000'000; fed += piece.size())
      st = dec.feed(piece, out);
    INFO(start);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == s3::Code::InvalidRequest);
    CHECK(fed <= AwsChunkedDecoder::kMaxLine + 1000);
  }
}

namespace {

// Deferred mode (pipelined uploads): the decoder only frames and collects claims; a
// ChunkVerifier checks them over the decoded bytes, fed in pieces of `step`.
s3::Status decode_deferred(const Identity& id, std::string_view body, size_t step, std::string* out = nullptr) {
  AwsChunkedDecoder dec(id, {"x-amz-checksum-crc32"});
  std::vector<silt::auth::ChunkClaim> claims;
  dec.defer_chunk_signatures(&claims);
  silt::auth::ChunkVerifier verifier(id);
  std::string decoded;
  for (size_t i = 0; i < body.size(); i += step) {
    std::string piece;
    if (auto st = dec.feed(body.substr(i, step), piece); !st) return st;
    for (auto& c : claims) verifier.expect(std::move(c));
    claims.clear();
    if (auto st = verifier.update(piece.data(), piece.size()); !st) return st;
    decoded += piece;
  }
  if (!dec.done()) return s3::Error(s3::Code::IncompleteBody, "not done");
  if (out) *out = decoded;
  return verifier.finish();
}

}  // namespace

TEST_CASE("deferred chunk signatures: a good body verifies at any split") {
  for (auto mode : {PayloadMode::StreamingSigned, PayloadMode::StreamingSignedTrailer}) {
    Identity id = signed_identity(mode);
    ChunkSigner s{id, id.seed_signature};
    std::string data = payload_of(200000);
    // Appended one by one: each signature chains from the one before.
    std::string body = s.chunk(data.substr(0, 131072));
    body += s.chunk(data.substr(131072, 1));
    body += s.chunk(data.substr(131073));
    body += s.final_chunk();
    if (mode == PayloadMode::StreamingSignedTrailer) {
      body += "x-amz-checksum-crc32:AAAAAA==\r\n";
      body += "x-amz-trailer-signature:" + s.trailer_signature("x-amz-checksum-crc32:AAAAAA==\n") + "\r\n";
    }
    body += "\r\n";
    for (size_t step : {body.size(), size_t{1}, size_t{4096}}) {
      std::string out;
      auto st = decode_deferred(id, body, step, &out);
      INFO("step " << step << (st.ok() ? std::string() : st.error().message));
      REQUIRE(st.ok());
      CHECK(out == data);
    }
  }
}

TEST_CASE("deferred chunk signatures: a bad chunk anywhere, the final one included, is refused") {
  Identity id = signed_identity(PayloadMode::StreamingSigned);
  ChunkSigner s{id, id.seed_signature};
  std::string c1 = s.chunk("one");
  std::string c2 = s.chunk("two");
  std::string end = s.final_chunk() + "\r\n";
  std::string body;
  SECTION("first chunk") {
    body = c1 + c2 + end;
    body[body.find("chunk-signature=") + 16] ^= 1;
  }
  SECTION("middle chunk") {
    body = c1 + c2 + end;
    body[body.find("chunk-signature=", c1.size()) + 16] ^= 1;
  }
  SECTION("final empty chunk") {
    body = c1 + c2 + end;
    body[body.find("chunk-signature=", c1.size() + c2.size()) + 16] ^= 1;
  }
  SECTION("chunks swapped") {
    body = c2 + c1 + end;
  }
  SECTION("data changed") {
    body = c1 + c2 + end;
    body[body.find("two")] = 'T';
  }
  SECTION("final chunk from another chain") {
    ChunkSigner other{id, std::string(64, 'e')};
    body = c1 + c2 + other.final_chunk() + "\r\n";
  }
  for (size_t step : {body.size(), size_t{1}}) {
    auto st = decode_deferred(id, body, step);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == s3::Code::SignatureDoesNotMatch);
  }
}

TEST_CASE("deferred chunk signatures: claims never checked are not a pass") {
  Identity id = signed_identity(PayloadMode::StreamingSigned);
  silt::auth::ChunkVerifier verifier(id);
  verifier.expect({5, std::string(64, '0')});
  REQUIRE(verifier.update("abc", 3).ok());  // two bytes short: not yet checked
  CHECK_FALSE(verifier.finish().ok());
}
