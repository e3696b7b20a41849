// Signed aws-chunked payloads checked away from the decoder: the decoder frames
// the body and hands over each chunk's claimed signature (ChunkClaim); a
// ChunkVerifier hashes the decoded bytes, on whichever thread has them, and
// checks every claim in order. The chain links each chunk to the claimed
// signature of the one before, so claims verify independently of the framing;
// once all of them pass, the claimed chain is the true one (a claim passes only
// when it equals the signature computed from its predecessor).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "auth/sigv4.h"
#include "common/error.h"
#include "util/hash.h"

namespace silt::auth {

// One chunk as its header announced it.
struct ChunkClaim {
  uint64_t size = 0;
  std::string signature;  // lowercase hex, as sent
};

// The signature a chunk of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body must carry,
// lowercase hex: HMAC over "AWS4-HMAC-SHA256-PAYLOAD", the date, the scope, the
// previous signature, SHA-256 of "" and SHA-256 of the chunk's data.
std::string expected_chunk_signature(std::string_view signing_key, std::string_view amz_date, std::string_view scope,
                                     std::string_view prev_signature, std::string_view data_sha256_hex);

class ChunkVerifier {
 public:
  // id: the request's identity (signing key, date, scope, seed signature).
  explicit ChunkVerifier(const Identity& id);

  // Queues the next claim; claims arrive in body order, before or with their bytes.
  void expect(ChunkClaim claim);
  // Hashes the next n payload bytes and checks every claim they complete (a
  // zero-size claim as soon as it is next). SignatureDoesNotMatch at the first
  // bad one; InternalError for bytes no claim announced. Not thread-safe: one
  // caller at a time, bytes in order.
  s3::Status update(const char* data, size_t n);
  // Every queued claim has been checked; call after the last update().
  s3::Status finish() const;

 private:
  std::string signing_key_, amz_date_, scope_, prev_;
  std::deque<ChunkClaim> claims_;
  uint64_t hashed_ = 0;  // bytes of claims_.front() hashed so far
  Digest hash_;
  bool failed_ = false;
};

}  // namespace silt::auth
