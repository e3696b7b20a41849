// The aws-chunked body decoder in its three STREAMING-* modes. The first input byte
// picks the mode, the trailers x-amz-trailer declares and how the rest is cut into
// feed() calls; the same bytes are also decoded in one piece, and the two runs must
// agree: the decoder is a state machine that must not care where the socket split its
// input. Whatever it accepts keeps to its limits: at most kMaxTrailerLines trailers,
// each declared and none twice, and never more output than input. A third run defers
// the chunk signatures to a ChunkVerifier (pipelined uploads): it must accept a whole
// body exactly when the direct decoder does, with the same bytes.
#include <algorithm>
#include <cstdlib>

#include "auth/aws_chunked.h"
#include "auth/chunk_verifier.h"
#include "fuzz_input.h"

using namespace silt;

namespace {
auth::Identity identity(auth::PayloadMode mode) {
  auth::Identity id;
  id.payload = mode;
  id.signing_key = auth::derive_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
  id.seed_signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  id.amz_date = "20130524T000000Z";
  id.scope = "20130524/us-east-1/s3/aws4_request";
  return id;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  uint8_t control = fuzz::take<uint8_t>(in);
  static const auth::PayloadMode kModes[] = {auth::PayloadMode::StreamingUnsignedTrailer,
                                             auth::PayloadMode::StreamingSigned,
                                             auth::PayloadMode::StreamingSignedTrailer};
  auto id = identity(kModes[control % 3]);
  size_t piece = 1 + ((control >> 2) & 0x0f);  // 1..16 bytes per feed()
  // The corpus's trailers are CRC32 and SHA256 checksums; some runs declare neither, one, or
  // names the input never uses.
  static const std::vector<std::string> kDeclared[] = {
      {}, {"x-amz-checksum-crc32"}, {"x-amz-checksum-crc32", "x-amz-checksum-sha256"}, {"a", "b", "c"}};
  const auto& declared = kDeclared[control >> 6];

  auth::AwsChunkedDecoder whole(id, declared);
  std::string out_whole;
  auto st_whole = whole.feed(in, out_whole);

  auth::AwsChunkedDecoder split(id, declared);
  std::string out_split;
  s3::Status st_split;
  for (size_t off = 0; off < in.size() && st_split; off += piece)
    st_split = split.feed(in.substr(off, piece), out_split);

  const bool signed_chunks = id.payload != auth::PayloadMode::StreamingUnsignedTrailer;
  auth::AwsChunkedDecoder deferred(id, declared);
  std::vector<auth::ChunkClaim> claims;
  deferred.defer_chunk_signatures(&claims);
  auth::ChunkVerifier verifier(id);
  std::string out_deferred;
  s3::Status st_deferred;
  for (size_t off = 0; off < in.size() && st_deferred; off += piece) {
    std::string got;
    st_deferred = deferred.feed(in.substr(off, piece), got);
    for (auto& c : claims) verifier.expect(std::move(c));
    claims.clear();
    // As BodyReader does: only the signed modes have chunk signatures to verify.
    if (st_deferred && signed_chunks) st_deferred = verifier.update(got.data(), got.size());
    out_deferred += got;
  }
  const bool accepted_direct = st_split && split.done();
  const bool accepted_deferred = st_deferred && deferred.done() && (!signed_chunks || verifier.finish());
  if (accepted_direct != accepted_deferred) std::abort();
  if (accepted_direct && out_deferred != out_split) std::abort();

  if (static_cast<bool>(st_whole) != static_cast<bool>(st_split)) std::abort();
  if (out_whole.size() > in.size()) std::abort();
  if (st_whole) {
    if (whole.done() != split.done() || out_whole != out_split) std::abort();
    if (whole.decoded_bytes() != out_whole.size()) std::abort();
    if (whole.trailers() != split.trailers()) std::abort();
    const auto& trailers = whole.trailers();
    if (trailers.size() > auth::AwsChunkedDecoder::kMaxTrailerLines) std::abort();
    for (size_t i = 0; i < trailers.size(); ++i) {
      if (std::find(declared.begin(), declared.end(), trailers[i].first) == declared.end()) std::abort();
      for (size_t j = 0; j < i; ++j)
        if (trailers[j].first == trailers[i].first) std::abort();
      if (trailers[i].first.size() + trailers[i].second.size() > auth::AwsChunkedDecoder::kMaxLine) std::abort();
    }
  } else if (st_whole.error().code != st_split.error().code) {
    std::abort();
  }
  return 0;
}
