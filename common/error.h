// s3::Error: the one error value that travels from any layer up to the single
// place in server/ that writes the S3 error XML. Layers below server/ know the
// S3 code (NoSuchKey, BadDigest, ...) but nothing about HTTP; http_status()
// is the only mapping to a status code.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace s3 {

enum class Code {
  AccessDenied,
  AccessForbidden,
  AuthorizationHeaderMalformed,
  AuthorizationQueryParametersError,
  BadDigest,
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  BucketNotEmpty,
  ConditionalRequestConflict,
  DeleteConflict,  // IAM's: the admin API refuses to remove a user who still owns buckets
  EntityTooLarge,
  EntityTooSmall,
  IncompleteBody,
  InternalError,
  InvalidAccessKeyId,
  InvalidArgument,
  InvalidBucketState,
  InvalidBucketName,
  InvalidLocationConstraint,
  InvalidDigest,
  InvalidPolicyDocument,
  InvalidPart,
  InvalidPartNumber,
  InvalidPartOrder,
  InvalidRange,
  InvalidRequest,
  InvalidStorageClass,
  InvalidTag,
  InvalidURI,
  KeyTooLongError,
  MalformedACLError,
  MalformedPOSTRequest,
  MalformedPolicy,
  MalformedTrailerError,
  MalformedXML,
  MaxPostPreDataLengthExceeded,
  MetadataTooLarge,
  MethodNotAllowed,
  MissingContentLength,
  NoSuchBucket,
  NoSuchBucketPolicy,
  NoSuchCORSConfiguration,
  NoSuchKey,
  NoSuchLifecycleConfiguration,
  NoSuchUpload,
  NoSuchVersion,
  NotImplemented,
  NotModified,  // 304: travels like an error, written without a body
  PreconditionFailed,
  RequestHeaderSectionTooLarge,
  RequestTimeTooSkewed,
  RequestTimeout,
  ServiceUnavailable,
  SignatureDoesNotMatch,
  SlowDown,
  XAmzContentChecksumMismatch,
  XAmzContentSHA256Mismatch,
  // The bucket-level APIs (issue 19 item 5), after the rest so earlier codes keep their values.
  AccessControlListNotSupported,  // 400: an ACL on a bucket whose Object Ownership is BucketOwnerEnforced
  InvalidBucketAclWithObjectOwnership,
  NoSuchPublicAccessBlockConfiguration,
  NoSuchTagSet,
  OwnershipControlsNotFoundError,
  // Object Lock (issue 19 item 2).
  NoSuchObjectLockConfiguration,         // 404: a version without retention or legal hold
  ObjectLockConfigurationNotFoundError,  // 404: a bucket without Object Lock
  // Server-side encryption (issue 19 item 1).
  ServerSideEncryptionConfigurationNotFoundError,  // 404: GetBucketEncryption of a bucket without one
  KmsNotFound,                                     // 400 "KMS.NotFoundException": no keyring key of that id
  // ACL grants (issue 19 item 4).
  UnresolvableGrantByEmailAddress,  // 400: an emailAddress grantee (silt keeps no emails)
  UnexpectedContent,                // 400: a Put*Acl with both a body and ACL headers
};

std::string_view code_name(Code c);
int http_status(Code c);

struct Error {
  Code code = Code::InternalError;
  std::string message;
  // Extra elements for the error XML, e.g. {"ServerTime", "..."} or {"Region", "..."}.
  std::map<std::string, std::string> extra;

  Error() = default;
  Error(Code c, std::string msg) : code(c), message(std::move(msg)) {}
  Error& with(std::string name, std::string value) {
    extra.emplace(std::move(name), std::move(value));
    return *this;
  }
};

// Result<T>: a value or an s3::Error. Result<void> is "ok or error".
template <class T = void>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::move(v)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : e_(std::move(e)) {}
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }
  Error& error() { return *e_; }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

}  // namespace s3
