// What Object Lock asks of the handlers that create versions (PutObject, CopyObject,
// CreateMultipartUpload); the Object Lock endpoints themselves are in object_lock.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "common/error.h"
#include "common/object_model.h"
#include "object/object_layer.h"
#include "server/s3/handler.h"
#include "server/s3/s3_request.h"

namespace silt::server {

// The lock a new version of req.bucket/req.key starts with: the request's
// x-amz-object-lock-* headers, else the bucket's default retention, else none.
// InvalidRequest ("Bucket is missing Object Lock Configuration") for lock headers on a
// bucket without Object Lock; lock_from_headers' InvalidArgument. Blocking: reads the
// bucket's configuration.
s3::Result<ObjectLock> lock_for_new_version(ObjectLayer& objects, const S3Request& req);

// AWS's rule for a PutObject that gets a lock, and an UploadPart of an upload that will:
// the body must carry an integrity check (Content-MD5, an x-amz-checksum-* header or
// trailer). InvalidRequest otherwise, naming the request as `what` ("Put Object", "Put Part").
s3::Status check_locked_put_integrity(const S3Request& req, const ObjectLock& lock,
                                      std::string_view what = "Put Object");

// Whether the request's x-amz-bypass-governance-retention: true is honoured: it is for a
// caller allowed s3:BypassGovernanceRetention (access_check.h) and ignored otherwise, so
// a change or delete a GOVERNANCE retention forbids is then refused, as on AWS.
boost::asio::awaitable<bool> governance_bypass(RequestContext& ctx);

}  // namespace silt::server
