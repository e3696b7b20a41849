// The ACL a write request sets with its headers, as stored with a bucket or object
// (auth/acl.h): x-amz-acl (and POST Object's `acl` field) or x-amz-grant-* headers, never
// both. The one helper CreateBucket, PutObject, CopyObject, CreateMultipartUpload and
// PostObject parse them through.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/acl.h"
#include "common/error.h"
#include "server/s3/s3_request.h"

namespace silt::server {

// The x-amz-grant-* headers req carries, as (name, value), for auth::parse_grant_headers.
std::vector<std::pair<std::string_view, std::string_view>> grant_headers(const S3Request& req);

// The grants of req's x-amz-grant-* headers, their syntax checked (auth::parse_grant_headers);
// empty when it has none.
s3::Result<auth::Grants> grants_from_request(const S3Request& req);

// "" when absent or private; InvalidArgument for a value that is no canned ACL.
s3::Result<std::string> acl_from_value(std::string_view value);
// The stored form of what req sets: acl_from_value(x-amz-acl), or its grants.
// InvalidRequest when it has both (AWS's answer).
s3::Result<std::string> acl_from_request(const S3Request& req);

}  // namespace silt::server
