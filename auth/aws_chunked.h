// Decoder for aws-chunked request bodies (the three STREAMING-* payload modes):
//   signed:   <hex-size>;chunk-signature=<64hex>\r\n<data>\r\n ... 0;chunk-signature=..\r\n
//             [trailers\r\n x-amz-trailer-signature:<64hex>\r\n] \r\n
//   unsigned: <hex-size>\r\n<data>\r\n ... 0\r\n [trailers\r\n] \r\n
// Push-based so the server can feed whatever the socket delivered; memory stays
// bounded by the input it is given plus kMaxLine for the line being read and at
// most kMaxTrailerLines trailer lines.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/chunk_verifier.h"
#include "auth/sigv4.h"
#include "common/error.h"

namespace silt::auth {

class AwsChunkedDecoder {
 public:
  // A chunk-size line (size and extensions) or a trailer line longer than this is refused.
  static constexpr size_t kMaxLine = 4096;
  // Trailer lines after the final chunk, x-amz-trailer-signature included: a body carries
  // a checksum or two there, never a header section.
  static constexpr size_t kMaxTrailerLines = 8;

  // id.payload must be one of the STREAMING-* modes. declared_trailers: the lowercase
  // names of x-amz-trailer; a trailer line of any other name, or a second one of the
  // same name, is refused (MalformedTrailerError), as AWS does.
  AwsChunkedDecoder(const Identity& id, std::vector<std::string> declared_trailers);
  ~AwsChunkedDecoder();

  // Decodes as much of in as it can, appending payload bytes to out. A chunk's bytes
  // are appended as they arrive; a bad chunk signature is reported when the chunk
  // ends, so the caller must not commit anything until done() and no error.
  // Errors: IncompleteBody / InvalidRequest (bad framing, a line over kMaxLine),
  // MalformedTrailerError (a trailer not declared, repeated, or past kMaxTrailerLines),
  // SignatureDoesNotMatch.
  s3::Status feed(std::string_view in, std::string& out);

  // From now on chunk data is not hashed here: each chunk header's claim is appended to
  // *claims instead, for a ChunkVerifier to check beside the decoding (the trailer
  // signature, over a few bytes, is still checked here, chained to the claimed
  // signatures). done() then means framed and the trailer verified, not the chunks:
  // nothing may be committed before the verifier's finish() passes too. Call before
  // the first feed(); claims must outlive the decoder's use.
  void defer_chunk_signatures(std::vector<ChunkClaim>* claims);

  // The final chunk and any trailers have been read and verified.
  bool done() const;
  uint64_t decoded_bytes() const;
  // Trailer headers (lowercased names), e.g. {"x-amz-checksum-crc32", "base64"}.
  const std::vector<std::pair<std::string, std::string>>& trailers() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace silt::auth
