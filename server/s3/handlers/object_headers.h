// Translation between an object's stored metadata and HTTP headers, shared by
// PUT, COPY, GET and HEAD, plus the conditional-request rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "server/s3/response.h"
#include "server/s3/s3_request.h"

namespace silt::server {

// Content-* headers, Expires, Cache-Control, x-amz-meta-*, x-amz-tagging and
// x-amz-storage-class from a PUT/COPY(REPLACE) request. MetadataTooLarge,
// InvalidTag, InvalidArgument (a value that could not be sent back as a header).
// The storage class is taken as given; the object layer refuses classes it does
// not map (InvalidStorageClass).
s3::Result<ObjectMeta> meta_from_request(const S3Request& req);
// The same rules (content headers, x-amz-meta-* within 2 KiB, storage class) for any
// (name, value) source, names in any case: HTTP headers or POST form fields. Tags
// and transfer details are the caller's, since each source encodes them differently.
// Every value kept is replayed as a response header, so each must be an HTTP field
// value (no CR, LF, NUL or other control character but HTAB) and each x-amz-meta-*
// name a token: InvalidArgument otherwise.
s3::Result<ObjectMeta> meta_from_fields(const std::vector<std::pair<std::string, std::string>>& fields);

// Headers every GET/HEAD of an object carries: ETag, Last-Modified, Content-Type,
// the stored content headers and user metadata.
void add_object_headers(Response& r, const ObjectInfo& info);
// A version's Object Lock headers: its retention when `retention` (the caller may
// s3:GetObjectRetention), its legal hold when `legal_hold` (s3:GetObjectLegalHold), as AWS
// shows them on GET and HEAD.
void add_lock_headers(Response& r, const ObjectLock& lock, bool retention, bool legal_hold);
// x-amz-checksum-* when the client asked for them (x-amz-checksum-mode: ENABLED).
void add_checksum_headers(Response& r, const ObjectInfo& info);

// x-amz-version-id, for objects that have a real version id.
void add_version_header(Response& r, const ObjectInfo& info);
// If-None-Match: * and If-Match on PutObject / CompleteMultipartUpload.
s3::Result<WriteConditions> write_conditions(const S3Request& req);
// If-Match, x-amz-if-match-last-modified-time (an HTTP date) and x-amz-if-match-size on
// DeleteObject. InvalidArgument for a date or size that does not parse.
s3::Result<DeleteConditions> delete_conditions(const S3Request& req);

std::string quoted_etag(std::string_view etag);
// Compares a client-sent ETag (quoted or not, or "*") with the stored one.
bool etag_matches(std::string_view sent, std::string_view etag);

// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, as RFC 7232
// and S3 order them. prefix is "" for GET/HEAD and "x-amz-copy-source-" for copies.
// Errors: PreconditionFailed, NotModified (GET/HEAD only; copies get 412).
s3::Status check_conditions(const S3Request& req, const ObjectInfo& info, std::string_view prefix);

}  // namespace silt::server
