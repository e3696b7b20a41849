// HMAC-SHA256 (util/hash.h, computed over a digest fetched once) against RFC 4231's
// vectors, and the SigV4 signing-key cache (auth/signing_keys.h).
#include <catch2/catch.hpp>
#include <string>

#include "auth/signing_keys.h"
#include "auth/sigv4.h"
#include "util/hash.h"

using namespace silt;
using namespace silt::auth;

TEST_CASE("HMAC-SHA256 matches RFC 4231") {
  // Test case 1: a 20-byte key.
  CHECK(hex_encode(hmac_sha256_raw(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output.
  CHECK(hex_encode(hmac_sha256_raw("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key, longer than SHA-256's block (hashed first).
  CHECK(
      hex_encode(hmac_sha256_raw(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // Empty key and message.
  CHECK(hex_encode(hmac_sha256_raw("", "")) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("SHA-256 one-shot and incremental agree") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Digest d(Digest::Kind::SHA256);
  d.update("a");
  d.update("bc");
  CHECK(hex_encode(d.finish()) == sha256_hex("abc"));
  d.update("abc");  // reusable after finish
  CHECK(hex_encode(d.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a cached signing key is the derived one, and only for the secret it came from") {
  SigningKeys keys;
  const std::string derived = derive_signing_key("secret-1", "20261207", "us-east-1", "s3");
  CHECK(keys.key("AK", "secret-1", "20261207", "us-east-1", "s3") == derived);
  keys.remember("AK", "secret-1", "20261207", "us-east-1", "s3", derived);
  CHECK(keys.size() == 1);
  CHECK(keys.key("AK", "secret-1", "20261207", "us-east-1", "s3") == derived);
  // The secret changed (the user's key was rotated): the old key is never handed out.
  CHECK(keys.key("AK", "secret-2", "20261207", "us-east-1", "s3") ==
        derive_signing_key("secret-2", "20261207", "us-east-1", "s3"));
  // Another day or region is another key.
  CHECK(keys.key("AK", "secret-1", "20261208", "us-east-1", "s3") ==
        derive_signing_key("secret-1", "20261208", "us-east-1", "s3"));
  CHECK(keys.key("AK", "secret-1", "20261207", "eu-west-1", "s3") ==
        derive_signing_key("secret-1", "20261207", "eu-west-1", "s3"));
}

TEST_CASE("the signing-key cache stays bounded") {
  SigningKeys keys;
  const std::string long_region(SigningKeys::kMaxRegion + 1, 'r');
  keys.remember("AK", "s", "20261207", long_region, "s3", "k");
  CHECK(keys.size() == 0);  // not remembered: a long region cannot grow it
  for (size_t i = 0; i < SigningKeys::kMaxKeys + 10; ++i)
    keys.remember("AK", "s", "20261207", "region-" + std::to_string(i), "s3", "k");
  CHECK(keys.size() <= SigningKeys::kMaxKeys);
}
