#include "common/error.h"

namespace s3 {

namespace {
struct CodeInfo {
  std::string_view name;
  int status;
};

CodeInfo info(Code c) {
  switch (c) {
    case Code::AccessDenied: return {"AccessDenied", 403};
    case Code::AccessControlListNotSupported: return {"AccessControlListNotSupported", 400};
    case Code::AccessForbidden: return {"AccessForbidden", 403};
    case Code::AuthorizationHeaderMalformed: return {"AuthorizationHeaderMalformed", 400};
    case Code::AuthorizationQueryParametersError: return {"AuthorizationQueryParametersError", 400};
    case Code::BadDigest: return {"BadDigest", 400};
    case Code::BucketAlreadyExists: return {"BucketAlreadyExists", 409};
    case Code::BucketAlreadyOwnedByYou: return {"BucketAlreadyOwnedByYou", 409};
    case Code::BucketNotEmpty: return {"BucketNotEmpty", 409};
    case Code::ConditionalRequestConflict: return {"ConditionalRequestConflict", 409};
    case Code::DeleteConflict: return {"DeleteConflict", 409};
    case Code::EntityTooLarge: return {"EntityTooLarge", 400};
    case Code::EntityTooSmall: return {"EntityTooSmall", 400};
    case Code::IncompleteBody: return {"IncompleteBody", 400};
    case Code::InternalError: return {"InternalError", 500};
    case Code::InvalidAccessKeyId: return {"InvalidAccessKeyId", 403};
    case Code::InvalidArgument: return {"InvalidArgument", 400};
    case Code::InvalidBucketAclWithObjectOwnership: return {"InvalidBucketAclWithObjectOwnership", 400};
    case Code::InvalidBucketState: return {"InvalidBucketState", 409};
    case Code::InvalidBucketName: return {"InvalidBucketName", 400};
    case Code::InvalidLocationConstraint: return {"InvalidLocationConstraint", 400};
    case Code::InvalidDigest: return {"InvalidDigest", 400};
    case Code::InvalidPolicyDocument: return {"InvalidPolicyDocument", 400};
    case Code::InvalidPart: return {"InvalidPart", 400};
    case Code::InvalidPartNumber: return {"InvalidPartNumber", 416};
    case Code::InvalidPartOrder: return {"InvalidPartOrder", 400};
    case Code::InvalidRange: return {"InvalidRange", 416};
    case Code::InvalidRequest: return {"InvalidRequest", 400};
    case Code::InvalidStorageClass: return {"InvalidStorageClass", 400};
    case Code::InvalidTag: return {"InvalidTag", 400};
    case Code::InvalidURI: return {"InvalidURI", 400};
    case Code::KeyTooLongError: return {"KeyTooLongError", 400};
    case Code::MalformedACLError: return {"MalformedACLError", 400};
    case Code::MalformedPOSTRequest: return {"MalformedPOSTRequest", 400};
    case Code::MalformedPolicy: return {"MalformedPolicy", 400};
    case Code::MalformedTrailerError: return {"MalformedTrailerError", 400};
    case Code::MalformedXML: return {"MalformedXML", 400};
    case Code::MaxPostPreDataLengthExceeded: return {"MaxPostPreDataLengthExceeded", 400};
    case Code::MetadataTooLarge: return {"MetadataTooLarge", 400};
    case Code::MethodNotAllowed: return {"MethodNotAllowed", 405};
    case Code::MissingContentLength: return {"MissingContentLength", 411};
    case Code::NoSuchBucket: return {"NoSuchBucket", 404};
    case Code::NoSuchBucketPolicy: return {"NoSuchBucketPolicy", 404};
    case Code::NoSuchCORSConfiguration: return {"NoSuchCORSConfiguration", 404};
    case Code::NoSuchKey: return {"NoSuchKey", 404};
    case Code::NoSuchLifecycleConfiguration: return {"NoSuchLifecycleConfiguration", 404};
    case Code::NoSuchObjectLockConfiguration: return {"NoSuchObjectLockConfiguration", 404};
    case Code::ObjectLockConfigurationNotFoundError: return {"ObjectLockConfigurationNotFoundError", 404};
    case Code::NoSuchPublicAccessBlockConfiguration: return {"NoSuchPublicAccessBlockConfiguration", 404};
    case Code::NoSuchTagSet: return {"NoSuchTagSet", 404};
    case Code::NoSuchUpload: return {"NoSuchUpload", 404};
    case Code::NoSuchVersion: return {"NoSuchVersion", 404};
    case Code::NotImplemented: return {"NotImplemented", 501};
    case Code::NotModified: return {"NotModified", 304};
    case Code::OwnershipControlsNotFoundError: return {"OwnershipControlsNotFoundError", 404};
    case Code::ServerSideEncryptionConfigurationNotFoundError:
      return {"ServerSideEncryptionConfigurationNotFoundError", 404};
    case Code::KmsNotFound: return {"KMS.NotFoundException", 400};
    case Code::UnresolvableGrantByEmailAddress: return {"UnresolvableGrantByEmailAddress", 400};
    case Code::UnexpectedContent: return {"UnexpectedContent", 400};
    case Code::PreconditionFailed: return {"PreconditionFailed", 412};
    case Code::RequestHeaderSectionTooLarge: return {"RequestHeaderSectionTooLarge", 400};
    case Code::RequestTimeTooSkewed: return {"RequestTimeTooSkewed", 403};
    case Code::RequestTimeout: return {"RequestTimeout", 400};
    case Code::ServiceUnavailable: return {"ServiceUnavailable", 503};
    case Code::SignatureDoesNotMatch: return {"SignatureDoesNotMatch", 403};
    case Code::SlowDown: return {"SlowDown", 503};
    case Code::XAmzContentChecksumMismatch: return {"XAmzContentChecksumMismatch", 400};
    case Code::XAmzContentSHA256Mismatch: return {"XAmzContentSHA256Mismatch", 400};
  }
  return {"InternalError", 500};
}
}  // namespace

std::string_view code_name(Code c) {
  return info(c).name;
}
int http_status(Code c) {
  return info(c).status;
}

}  // namespace s3
