// AWS Signature Version 4 for S3: Authorization header and presigned URLs
// (clients.md §1.2-1.4). The request is checked exactly as it was sent: the
// canonical URI is the raw path, the canonical query is built from the raw
// query, and the headers named in SignedHeaders take part, which must include Host
// and every x-amz-* header the request carries (signed_headers.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/credentials.h"
#include "common/error.h"

namespace silt::auth {

// The request as it arrived; nothing normalised.
struct RequestView {
  std::string_view method;
  std::string_view target;  // raw request-target: "/b/k%20x?list-type=2&prefix=a"
  // Every header as received, names in any case; repeated headers appear repeatedly.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  // The bucket named by the Host header under virtual-host addressing, empty for path
  // style. SigV2 signs it as part of the resource; SigV4 covers it by signing Host.
  std::string_view vhost_bucket = {};
};

// How the body is protected: the value of x-amz-content-sha256.
enum class PayloadMode {
  Sha256,                    // hex SHA-256 of the body, verified after reading it
  Unsigned,                  // UNSIGNED-PAYLOAD (and every presigned URL)
  StreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  StreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
  StreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
};

inline bool is_streaming(PayloadMode m) {
  return m == PayloadMode::StreamingSigned || m == PayloadMode::StreamingUnsignedTrailer ||
         m == PayloadMode::StreamingSignedTrailer;
}

// Who sent an authenticated request, and what the body decoder needs to go on.
struct Identity {
  std::string access_key;
  std::string user;
  bool presigned = false;
  PayloadMode payload = PayloadMode::Unsigned;
  std::string payload_sha256_hex;  // when payload == Sha256, lowercase
  // Chunk signatures chain from the request signature with the same key and scope.
  std::string signing_key;     // raw 32-byte derived key
  std::string seed_signature;  // hex signature of the request itself
  std::string amz_date;        // "YYYYMMDDTHHMMSSZ"
  std::string scope;           // "20130524/us-east-1/s3/aws4_request"
  std::string region;          // the region the client signed with
};

// True when the request carries neither an Authorization header nor X-Amz-Signature.
bool is_anonymous(const RequestView& req);

// Verifies a header-signed or presigned request against store.
// A header-signed request without x-amz-content-sha256 and without a body is verified
// as the empty payload. A presigned one is UNSIGNED-PAYLOAD unless its query carries
// X-Amz-Content-Sha256 or it signed an x-amz-content-sha256 header.
// Errors: AccessDenied (expired presign; an x-amz-* header, or Host, that the signature
// does not cover, with extra HeadersNotSigned), AuthorizationHeaderMalformed and
// AuthorizationQueryParametersError (including a SignedHeaders list that is not sorted,
// unique, lowercase and bounded), InvalidAccessKeyId, SignatureDoesNotMatch (extra
// CanonicalRequest and StringToSign when each is at most 4 KiB), RequestTimeTooSkewed
// (extra ServerTime), NotImplemented (unknown payload mode, streaming in a presigned URL),
// InvalidRequest (a header-signed request with a body and no x-amz-content-sha256).
s3::Result<Identity> authenticate(const RequestView& req, const CredentialStore& store, int64_t now_ms);

// Building blocks, exposed for tests and for bench/ clients that sign their own requests.
std::string canonical_query(std::string_view raw_query, bool drop_signature);
std::string derive_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                               std::string_view service);

// Signs a request the way botocore does (Authorization header); used by tests and silt-bench.
// headers must include host and x-amz-date; returns the Authorization header value.
std::string sign_request(std::string_view method, std::string_view target,
                         const std::vector<std::pair<std::string, std::string>>& headers, std::string_view payload_hash,
                         std::string_view access_key, std::string_view secret, std::string_view region);

}  // namespace silt::auth
