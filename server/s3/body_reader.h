// The request body as handlers read it: transfer-decoded by Beast, aws-chunked
// decoded when the payload mode says so, and verified at its end against
// everything the client declared (x-amz-content-sha256, x-amz-checksum-* as
// header or trailer, x-amz-decoded-content-length). Content-MD5 of object
// bodies is checked by the PUT handler against the writer's MD5, so the
// bytes are hashed with MD5 only once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/aws_chunked.h"
#include "auth/chunk_verifier.h"
#include "auth/sigv4.h"
#include "common/error.h"
#include "server/s3/s3_request.h"
#include "util/checksum.h"
#include "util/hash.h"

namespace silt::server {

// Raw body bytes as the connection delivers them (after HTTP chunked decoding).
class RawBodySource {
 public:
  virtual ~RawBodySource() = default;
  // 0 at the end of the body.
  virtual boost::asio::awaitable<s3::Result<size_t>> read_some(char* buf, size_t n) = 0;
  virtual bool done() const = 0;
};

class BodyReader {
 public:
  BodyReader(RawBodySource& src, const S3Request& req, const auth::Identity& id);

  // Checks the declared checksums and lengths before anything is read.
  s3::Status prepare();
  // Decoded payload bytes; 0 once the whole body is read and verified.
  boost::asio::awaitable<s3::Result<size_t>> read(char* buf, size_t n);
  // A whole small body (XML documents); EntityTooLarge past limit. Checks Content-MD5.
  boost::asio::awaitable<s3::Result<std::string>> read_all(size_t limit);

  // Decoded length when known in advance (Content-Length or x-amz-decoded-content-length).
  std::optional<uint64_t> expected_length() const { return expected_; }
  // (ALGO, base64) checksums the body was verified against; valid after the end.
  const std::vector<std::pair<std::string, std::string>>& verified_checksums() const { return verified_; }
  bool finished() const { return finished_; }

  // Pipelined uploads (server/s3/upload_pipeline.h): from now on read() only frames the
  // body and checks its length; the hashing (chunk signatures, x-amz-content-sha256,
  // x-amz-checksum-*) is left to verify_update(), which may run on another thread, one
  // call at a time, over the bytes read() gave in the same order. Call after prepare(),
  // before the first read().
  void defer_verification();
  // The chunk claims read() collected since the last call (signed aws-chunked bodies
  // only): they go to verify_update() with the bytes read together with them.
  std::vector<auth::ChunkClaim> take_claims();
  size_t pending_claims() const { return claims_.size(); }
  // Checks the next n bytes of payload, after queueing claims. SignatureDoesNotMatch.
  s3::Status verify_update(std::vector<auth::ChunkClaim> claims, const char* data, size_t n);
  // After read() returned 0 and every byte went through verify_update(): every chunk
  // verified, then what finish() checks in the direct mode.
  s3::Status verify_finish();

 private:
  s3::Status finish();
  void hash_payload(const char* data, size_t n);
  s3::Status check_digests();

  RawBodySource& src_;
  const S3Request& req_;
  const auth::Identity& id_;
  std::unique_ptr<auth::AwsChunkedDecoder> chunked_;
  std::string raw_, pending_;
  size_t pending_pos_ = 0;
  std::optional<Digest> sha256_;
  struct Declared {
    Checksummer sum;
    std::string expected;  // empty: comes in a trailer
  };
  std::vector<Declared> checksums_;
  std::vector<std::pair<std::string, std::string>> verified_;
  std::optional<uint64_t> expected_;
  uint64_t decoded_ = 0;
  bool finished_ = false;
  bool deferred_ = false;
  std::vector<auth::ChunkClaim> claims_;
  std::optional<auth::ChunkVerifier> verifier_;
};

}  // namespace silt::server
