#include "auth/chunk_verifier.h"

#include <algorithm>

namespace silt::auth {

namespace {
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}

std::string expected_chunk_signature(std::string_view signing_key, std::string_view amz_date, std::string_view scope,
                                     std::string_view prev_signature, std::string_view data_sha256_hex) {
  std::string sts;
  sts.reserve(200);
  sts.append("AWS4-HMAC-SHA256-PAYLOAD\n").append(amz_date).append("\n").append(scope).append("\n");
  sts.append(prev_signature).append("\n").append(kEmptySha256).append("\n").append(data_sha256_hex);
  return hex_encode(hmac_sha256_raw(signing_key, sts));
}

ChunkVerifier::ChunkVerifier(const Identity& id)
    : signing_key_(id.signing_key),
      amz_date_(id.amz_date),
      scope_(id.scope),
      prev_(id.seed_signature),
      hash_(Digest::Kind::SHA256) {}

void ChunkVerifier::expect(ChunkClaim claim) {
  claims_.push_back(std::move(claim));
}

s3::Status ChunkVerifier::update(const char* data, size_t n) {
  auto mismatch = [this] {
    failed_ = true;
    return s3::Error(s3::Code::SignatureDoesNotMatch,
                     "The request signature we calculated does not match the signature you provided. "
                     "(chunk signature)");
  };
  if (failed_) return mismatch();
  for (;;) {
    if (claims_.empty()) {
      if (n == 0) return {};
      failed_ = true;
      return s3::Error(s3::Code::InternalError, "aws-chunked payload bytes without a chunk header");
    }
    ChunkClaim& c = claims_.front();
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, c.size - hashed_));
    hash_.update(data, take);
    data += take;
    n -= take;
    hashed_ += take;
    if (hashed_ < c.size) return {};
    std::string expected = expected_chunk_signature(signing_key_, amz_date_, scope_, prev_, hex_encode(hash_.finish()));
    if (!constant_time_equal(expected, c.signature)) return mismatch();
    prev_ = std::move(expected);
    claims_.pop_front();
    hashed_ = 0;
  }
}

s3::Status ChunkVerifier::finish() const {
  if (failed_ || !claims_.empty())
    return s3::Error(s3::Code::SignatureDoesNotMatch,
                     "The request signature we calculated does not match the signature you provided. "
                     "(chunk signature)");
  return {};
}

}  // namespace silt::auth
