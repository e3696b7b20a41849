// x-amz-acl (and POST Object's `acl` field) as stored with a bucket or object: the
// enforced canned ACL's name (auth/acl.h), "" for private. x-amz-grant-* headers ask for
// per-user grants silt does not have: the router refuses them (server/s3/unsupported_headers.cpp).
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "server/s3/s3_request.h"

namespace silt::server {

// "" when absent or private; InvalidArgument for a value that is no canned ACL.
s3::Result<std::string> acl_from_value(std::string_view value);
s3::Result<std::string> acl_from_request(const S3Request& req);

}  // namespace silt::server
