// Browser-based uploads (S3 POST Object): the form's signature over its POST policy,
// and the policy itself (expiration plus conditions on the form fields).
//
// The policy travels base64-encoded in the `policy` field, and that base64 text, as
// sent, is what gets signed:
//   SigV4 (x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature):
//     hex(HMAC-SHA256(derive_signing_key(secret, date, region, "s3"), policy_b64))
//   SigV2 (AWSAccessKeyId, signature): base64(HMAC-SHA1(secret, policy_b64))
// References: AWS "Browser-Based Uploads Using POST (AWS Signature Version 4)",
// "POST Policy", and the SigV2 "Browser-Based Uploads Using POST" pages; where they
// are silent, S3's observed answers (error codes and messages) are followed.
//
// Form field names compare case-insensitively; values compare exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "common/error.h"

namespace silt::auth {

// The fields of a form in the order they came, names as sent. The file part is not one.
using FormFields = std::vector<std::pair<std::string, std::string>>;

// The value of a field (case-insensitive name), nullopt when absent. A field sent
// more than once matches as its values joined with ',' (the SigV2 POST page's rule).
std::optional<std::string> form_field(const FormFields& fields, std::string_view name);

struct PostCondition {
  enum class Op { Eq, StartsWith, ContentLengthRange };
  Op op = Op::Eq;
  std::string field;  // lowercase, without the '$'; empty for content-length-range
  std::string value;
  uint64_t min = 0, max = 0;  // content-length-range, inclusive
  // False for a condition that can never hold (a field named without '$', a range
  // bound that is not a number): S3 reports it as a failed condition, not a bad policy.
  bool satisfiable = true;
  std::string text;  // as S3 quotes it: ["eq", "$key", "a/b"]
};

struct PostPolicy {
  int64_t expiration_ms = 0;
  std::vector<PostCondition> conditions;
};

// Who signed the form. AccessDenied when it carries no credentials at all (silt has
// no publicly writable buckets); InvalidArgument naming a missing or malformed
// signing field; InvalidAccessKeyId; SignatureDoesNotMatch (with StringToSign and
// friends, as S3 gives them).
s3::Result<Identity> authenticate_post(const FormFields& fields, const CredentialStore& store);

// Decodes and parses the policy field. InvalidArgument with S3's "Invalid Policy: ..."
// messages (S3's own code is InvalidPolicyDocument).
s3::Result<PostPolicy> parse_post_policy(std::string_view policy_b64);

// Expiration, then every condition against the fields (variables already expanded)
// and the bucket of the URL, then S3's rule that every field but policy, the
// signature, file and x-ignore-* is covered by some condition. content-length-range
// is left for check_post_content_length. AccessDenied "Invalid according to Policy: ...".
s3::Status check_post_policy(const PostPolicy& policy, const FormFields& fields, std::string_view bucket,
                             int64_t now_ms);

// Every content-length-range against the size of the uploaded file.
// EntityTooSmall / EntityTooLarge with ProposedSize and Min/MaxSizeAllowed.
s3::Status check_post_content_length(const PostPolicy& policy, uint64_t size);
// The smallest upper bound any content-length-range sets (UINT64_MAX: none), so an
// upload can be refused as soon as it passes it.
uint64_t post_max_content_length(const PostPolicy& policy);

// The two signatures, exposed for tests.
std::string post_signature_v4(std::string_view secret, std::string_view date, std::string_view region,
                              std::string_view policy_b64);
std::string post_signature_v2(std::string_view secret, std::string_view policy_b64);

}  // namespace silt::auth
