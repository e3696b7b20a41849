// Gathers what auth::decide() needs for one routed request (the caller, the operation,
// the owners of the buckets it touches) and returns its verdict.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "auth/access.h"
#include "auth/sigv4.h"
#include "common/error.h"
#include "server/handler.h"
#include "server/s3_request.h"

namespace silt::server {

auth::Principal principal_of(const auth::Identity& id, const Services& svc);

// operation: the router's name ("CreateBucket", "CopyObject", ...). CopyObject and
// UploadPartCopy are checked on their source bucket too. Looks bucket owners up on the
// blocking pool, and not at all for the admin.
boost::asio::awaitable<s3::Status> authorize(Services& svc, const auth::Identity& id, const S3Request& req,
                                             std::string_view operation);

}  // namespace silt::server
