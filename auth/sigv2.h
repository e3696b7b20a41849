// AWS Signature Version 2 for S3: "Authorization: AWS <key>:<sig>" and presigned URLs
// with AWSAccessKeyId/Signature/Expires. botocore still presigns S3 URLs this way when
// no signature_version is configured (aws s3 presign, boto3 generate_presigned_url),
// so silt must accept it. The exact client to match is botocore's HmacV1Auth and
// HmacV1QueryAuth; the published examples in AWS's "Signing and authenticating REST
// requests" page are the second reference.
//
// authenticate() in sigv4.h dispatches here.
//
// What the signature covers: the method, Content-MD5, Content-Type, the date, every
// x-amz-* header (CanonicalizedAmzHeaders) and the resource, which under virtual-host
// addressing starts with the bucket from the Host header, so a signature made for one
// bucket never opens another.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "common/error.h"

namespace silt::auth {

// "AWS <key>:<sig>" (the scheme word, then whitespace).
bool is_sigv2_authorization(std::string_view authorization);
// The raw query names AWSAccessKeyId or Signature (either one is enough to make the
// request a SigV2 presign, so a missing partner gets the SigV2 error, not anonymous access).
bool has_sigv2_query(std::string_view raw_query);

// Verifies a SigV2 header-signed or presigned request. The CanonicalizedResource is the
// raw path as sent; with virtual-hosted addressing the bucket is signed but is not in the
// path, so req.vhost_bucket must name it ("/" + vhost_bucket is prefixed). The Identity
// has payload Unsigned (SigV2 never covers the body) and no SigV4 fields.
// Errors: AccessDenied (missing query parameter, expired, no valid date; an x-amz-*
// header whose value differs from the presigned URL's query parameter of that name, with
// extra HeadersNotSigned), InvalidArgument (malformed header),
// AuthorizationQueryParametersError (non-numeric Expires), InvalidAccessKeyId,
// SignatureDoesNotMatch (extra StringToSign when at most 4 KiB), RequestTimeTooSkewed.
s3::Result<Identity> authenticate_v2(const RequestView& req, const CredentialStore& store, int64_t now_ms);

// base64(HMAC-SHA1(secret, string_to_sign)): the SigV2 signature.
std::string sign_v2(std::string_view secret, std::string_view string_to_sign);

}  // namespace silt::auth
