// aws-chunked decoding as a byte-driven state machine, so input may be split anywhere
// and chunk data is passed through (and hashed) as it arrives instead of being buffered.
//
// Client differences this tolerates (clients.md §1.3, X-PAY-03/04):
//   - bare "\n" line ends as well as "\r\n";
//   - signed (non-trailer) bodies that stop right after the final 0-chunk header, without
//     the closing "\r\n": the 0-chunk signature already covers everything;
//   - signed-trailer bodies that stop right after x-amz-trailer-signature;
//   - a blank line between the 0-chunk and the trailers (seen in published examples);
//   - chunk sizes below the 8 KiB AWS minimum, and extensions other than chunk-signature.
#include "auth/aws_chunked.h"

#include <algorithm>
#include <cstring>

#include "util/hash.h"
#include "util/strings.h"

namespace silt::auth {

namespace {

constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kChunkSignature = "chunk-signature";
constexpr std::string_view kTrailerSignature = "x-amz-trailer-signature";

enum class State {
  ChunkHeader,   // reading "<hex>[;ext]\r\n"
  ChunkData,     // passing through the chunk's bytes
  ChunkDataEnd,  // the "\r\n" after the data
  Trailer,       // trailer lines after the 0-chunk, ended by an empty line
  OptionalEnd,   // done; a closing "\r\n" may still follow
  Finished,      // nothing more may follow
  Failed,
};

s3::Error framing(std::string what) {
  return s3::Error(s3::Code::InvalidRequest, "Malformed aws-chunked body: " + what);
}

s3::Error malformed_trailer() {
  return s3::Error(s3::Code::MalformedTrailerError,
                   "The request contained trailing data that was not well-formed or did not conform to our "
                   "published schema.");
}

s3::Error bad_signature(std::string what) {
  return s3::Error(s3::Code::SignatureDoesNotMatch,
                   "The request signature we calculated does not match the signature you provided. " + what);
}

}  // namespace

struct AwsChunkedDecoder::Impl {
  Impl(const Identity& id, std::vector<std::string> declared)
      : mode(id.payload),
        signed_chunks(id.payload == PayloadMode::StreamingSigned || id.payload == PayloadMode::StreamingSignedTrailer),
        trailer_mode(id.payload == PayloadMode::StreamingUnsignedTrailer ||
                     id.payload == PayloadMode::StreamingSignedTrailer),
        signing_key(id.signing_key),
        amz_date(id.amz_date),
        scope(id.scope),
        prev_signature(id.seed_signature),
        chunk_hash(Digest::Kind::SHA256),
        declared_trailers(std::move(declared)) {
    if (!is_streaming(mode)) {
      state = State::Failed;
      failure = s3::Error(s3::Code::InternalError, "aws-chunked decoder used for a non-streaming payload");
    }
  }

  PayloadMode mode;
  bool signed_chunks;
  bool trailer_mode;
  std::string signing_key;
  std::string amz_date;
  std::string scope;
  std::string prev_signature;  // chain: seed, then each verified (or, deferred, claimed) chunk signature
  std::vector<ChunkClaim>* deferred = nullptr;  // set: chunks are verified by the caller

  State state = State::ChunkHeader;
  bool done = false;
  s3::Error failure;

  std::string line;  // the header or trailer line being assembled
  uint64_t remaining = 0;
  std::string chunk_signature;  // as announced in the current chunk header
  Digest chunk_hash;
  uint64_t decoded = 0;
  size_t crlf_seen = 0;  // ChunkDataEnd / OptionalEnd: how much of "\r\n" arrived

  std::vector<std::string> declared_trailers;  // x-amz-trailer: the only names a trailer line may have
  size_t trailer_lines = 0;                    // non-blank trailer lines so far (kMaxTrailerLines)
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string canonical_trailers;  // "name:value\n" per trailer line, what the trailer signature covers
  bool trailer_signature_ok = false;
  bool leading_blank = false;  // a blank line came straight after the 0-chunk

  s3::Status fail(s3::Error e) {
    state = State::Failed;
    done = false;
    failure = std::move(e);
    return failure;
  }

  std::string sign(std::string_view string_to_sign) const {
    return hex_encode(hmac_sha256_raw(signing_key, string_to_sign));
  }

  // Called once a chunk's data (possibly empty) is complete.
  s3::Status verify_chunk(std::string_view data_sha256_hex) {
    if (!signed_chunks || deferred) return {};
    std::string expected = expected_chunk_signature(signing_key, amz_date, scope, prev_signature, data_sha256_hex);
    if (!constant_time_equal(expected, chunk_signature)) return fail(bad_signature("(chunk signature)"));
    prev_signature = std::move(expected);
    return {};
  }

  // Pulls one '\n'-terminated line out of in; false when more input is needed.
  s3::Result<bool> take_line(std::string_view& in) {
    const void* nl = std::memchr(in.data(), '\n', in.size());
    size_t n = nl ? static_cast<size_t>(static_cast<const char*>(nl) - in.data()) + 1 : in.size();
    if (line.size() + n > kMaxLine) {
      if (state == State::Trailer) return malformed_trailer();
      return framing("chunk-size line longer than 4 KiB");
    }
    line.append(in.data(), n);
    in.remove_prefix(n);
    if (!nl) return false;
    line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }

  s3::Status on_chunk_header() {
    std::string_view l = trim(line, kOws);
    size_t semi = l.find(';');
    std::string_view size_hex = trim(l.substr(0, semi), kOws);
    if (size_hex.empty() || size_hex.size() > 15) return fail(framing("bad chunk size"));
    uint64_t size = 0;
    for (char c : size_hex) {
      int v = hex_digit_value(c);
      if (v < 0) return fail(framing("bad chunk size"));
      size = size * 16 + static_cast<uint64_t>(v);
    }
    chunk_signature.clear();
    bool have_signature = false;
    while (semi != std::string_view::npos) {
      l.remove_prefix(semi + 1);
      semi = l.find(';');
      std::string_view ext = trim(l.substr(0, semi), kOws);
      size_t eq = ext.find('=');
      if (trim(ext.substr(0, eq), kOws) == kChunkSignature && eq != std::string_view::npos) {
        chunk_signature = to_lower(trim(ext.substr(eq + 1), kOws));
        have_signature = true;
      }
    }
    if (signed_chunks && !have_signature) return fail(bad_signature("(missing chunk-signature)"));
    line.clear();
    if (signed_chunks && deferred) {
      deferred->push_back({size, chunk_signature});
      prev_signature = chunk_signature;
    }
    if (size > 0) {
      remaining = size;
      state = State::ChunkData;
      return {};
    }
    auto st = verify_chunk(kEmptySha256);
    if (!st) return st;
    if (trailer_mode) {
      state = State::Trailer;
    } else {
      done = true;
      crlf_seen = 0;
      state = State::OptionalEnd;
    }
    return {};
  }

  s3::Status on_trailer_line() {
    std::string_view l = trim(line, kOws);
    if (l.empty()) {
      line.clear();
      if (trailers.empty() && !trailer_signature_ok && !leading_blank) {
        // Either "0\r\n\r\n" with no trailers (botocore without a checksum), or a blank
        // line some encoders put between the 0-chunk and the trailers. Complete as it
        // stands, but trailer lines may still follow.
        leading_blank = true;
        done = true;
        return {};
      }
      if (mode == PayloadMode::StreamingSignedTrailer && !trailers.empty() && !trailer_signature_ok) {
        return fail(bad_signature("(missing x-amz-trailer-signature)"));
      }
      done = true;
      state = State::Finished;
      return {};
    }
    done = false;
    if (++trailer_lines > AwsChunkedDecoder::kMaxTrailerLines) return fail(malformed_trailer());
    size_t colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(framing("bad trailer line"));
    std::string name = to_lower(trim(l.substr(0, colon), kOws));
    std::string value(trim(l.substr(colon + 1), kOws));
    line.clear();
    if (name != kTrailerSignature) {
      bool declared = std::find(declared_trailers.begin(), declared_trailers.end(), name) != declared_trailers.end();
      bool repeated = std::any_of(trailers.begin(), trailers.end(), [&](const auto& t) { return t.first == name; });
      if (!declared || repeated) return fail(malformed_trailer());
    }
    if (name == kTrailerSignature) {
      // Only the signed variant carries one; an unsigned body's copy means nothing.
      if (mode != PayloadMode::StreamingSignedTrailer) return {};
      std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + amz_date + "\n" + scope + "\n" + prev_signature + "\n" +
                        sha256_hex(canonical_trailers);
      if (!constant_time_equal(sign(sts), to_lower(value))) return fail(bad_signature("(trailer signature)"));
      trailer_signature_ok = true;
      done = true;
      crlf_seen = 0;
      state = State::OptionalEnd;
      return {};
    }
    canonical_trailers.append(name).append(":").append(value).append("\n");
    trailers.emplace_back(std::move(name), std::move(value));
    return {};
  }

  s3::Status feed(std::string_view in, std::string& out) {
    while (!in.empty()) {
      switch (state) {
        case State::Failed: return failure;
        case State::Finished: return fail(framing("data after the end of the body"));
        case State::ChunkHeader:
        case State::Trailer: {
          auto got = take_line(in);
          if (!got) return fail(got.error());
          if (!got.value()) return {};
          auto st = state == State::ChunkHeader ? on_chunk_header() : on_trailer_line();
          if (!st) return st;
          break;
        }
        case State::ChunkData: {
          size_t n = static_cast<size_t>(std::min<uint64_t>(remaining, in.size()));
          out.append(in.data(), n);
          if (signed_chunks && !deferred) chunk_hash.update(in.data(), n);
          in.remove_prefix(n);
          remaining -= n;
          decoded += n;
          if (remaining == 0) {
            crlf_seen = 0;
            state = State::ChunkDataEnd;
          }
          break;
        }
        case State::ChunkDataEnd:
        case State::OptionalEnd: {
          char c = in.front();
          bool ok = (crlf_seen == 0 && (c == '\r' || c == '\n')) || (crlf_seen == 1 && c == '\n');
          if (!ok) {
            return fail(framing(state == State::ChunkDataEnd ? "chunk data not followed by CRLF"
                                                             : "data after the final chunk"));
          }
          in.remove_prefix(1);
          if (c == '\r') {
            crlf_seen = 1;
            break;
          }
          if (state == State::OptionalEnd) {
            state = State::Finished;
            break;
          }
          state = State::ChunkHeader;
          if (signed_chunks && !deferred) {
            auto st = verify_chunk(hex_encode(chunk_hash.finish()));
            if (!st) return st;
          }
          break;
        }
      }
    }
    return state == State::Failed ? s3::Status(failure) : s3::Status();
  }
};

AwsChunkedDecoder::AwsChunkedDecoder(const Identity& id, std::vector<std::string> declared_trailers)
    : impl_(std::make_unique<Impl>(id, std::move(declared_trailers))) {}
AwsChunkedDecoder::~AwsChunkedDecoder() = default;

s3::Status AwsChunkedDecoder::feed(std::string_view in, std::string& out) {
  return impl_->feed(in, out);
}

void AwsChunkedDecoder::defer_chunk_signatures(std::vector<ChunkClaim>* claims) {
  impl_->deferred = claims;
}

bool AwsChunkedDecoder::done() const {
  return impl_->done && impl_->line.empty() && impl_->state != State::Failed;
}

uint64_t AwsChunkedDecoder::decoded_bytes() const {
  return impl_->decoded;
}

const std::vector<std::pair<std::string, std::string>>& AwsChunkedDecoder::trailers() const {
  return impl_->trailers;
}

}  // namespace silt::auth
