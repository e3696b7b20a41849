// S3 operation handlers, one file per family (see router.cpp for the table).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/s3/cors.h"
#include "server/s3/handler.h"
#include "util/xml.h"

namespace silt::server::handlers {

using boost::asio::awaitable;
using Result = s3::Result<Response>;

// service.cpp
awaitable<Result> list_buckets(RequestContext& ctx);
// bucket.cpp
awaitable<Result> create_bucket(RequestContext& ctx);
awaitable<Result> head_bucket(RequestContext& ctx);
awaitable<Result> delete_bucket(RequestContext& ctx);
awaitable<Result> get_bucket_location(RequestContext& ctx);
// put.cpp
awaitable<Result> put_object(RequestContext& ctx);
// get.cpp
awaitable<Result> get_object(RequestContext& ctx);
awaitable<Result> head_object(RequestContext& ctx);
// copy.cpp
awaitable<Result> copy_object(RequestContext& ctx);
// delete.cpp
awaitable<Result> delete_object(RequestContext& ctx);
awaitable<Result> delete_objects(RequestContext& ctx);
// list.cpp
awaitable<Result> list_objects_v1(RequestContext& ctx);
awaitable<Result> list_objects_v2(RequestContext& ctx);
awaitable<Result> list_object_versions(RequestContext& ctx);
// multipart.cpp
awaitable<Result> create_multipart_upload(RequestContext& ctx);
awaitable<Result> upload_part(RequestContext& ctx);
awaitable<Result> upload_part_copy(RequestContext& ctx);
awaitable<Result> complete_multipart_upload(RequestContext& ctx);
awaitable<Result> abort_multipart_upload(RequestContext& ctx);
awaitable<Result> list_parts(RequestContext& ctx);
awaitable<Result> list_multipart_uploads(RequestContext& ctx);
// tagging.cpp
awaitable<Result> put_object_tagging(RequestContext& ctx);
awaitable<Result> get_object_tagging(RequestContext& ctx);
awaitable<Result> delete_object_tagging(RequestContext& ctx);
// attributes.cpp
awaitable<Result> get_object_attributes(RequestContext& ctx);
// versioning.cpp
awaitable<Result> put_bucket_versioning(RequestContext& ctx);
awaitable<Result> get_bucket_versioning(RequestContext& ctx);
// post_object.cpp: browser form upload; authenticates through its signed policy.
awaitable<Result> post_object(RequestContext& ctx);
// cors.cpp
awaitable<Result> put_bucket_cors(RequestContext& ctx);
awaitable<Result> get_bucket_cors(RequestContext& ctx);
awaitable<Result> delete_bucket_cors(RequestContext& ctx);
// A browser's preflight (OPTIONS): the bucket's CORS rules decide, no credentials.
awaitable<Result> preflight(RequestContext& ctx);
// The bucket's CORS rules; nullopt when it has none (or they cannot be read).
awaitable<std::optional<std::vector<CorsRule>>> bucket_cors_rules(Services& svc, const std::string& bucket);
// policy.cpp
awaitable<Result> put_bucket_policy(RequestContext& ctx);
awaitable<Result> get_bucket_policy(RequestContext& ctx);
awaitable<Result> delete_bucket_policy(RequestContext& ctx);
awaitable<Result> get_bucket_policy_status(RequestContext& ctx);
// acl.cpp
awaitable<Result> get_bucket_acl(RequestContext& ctx);
awaitable<Result> put_bucket_acl(RequestContext& ctx);
awaitable<Result> get_object_acl(RequestContext& ctx);
awaitable<Result> put_object_acl(RequestContext& ctx);
// bucket_documents.cpp
awaitable<Result> put_public_access_block(RequestContext& ctx);
awaitable<Result> get_public_access_block(RequestContext& ctx);
awaitable<Result> delete_public_access_block(RequestContext& ctx);
awaitable<Result> put_bucket_ownership_controls(RequestContext& ctx);
awaitable<Result> get_bucket_ownership_controls(RequestContext& ctx);
awaitable<Result> delete_bucket_ownership_controls(RequestContext& ctx);
awaitable<Result> put_bucket_encryption(RequestContext& ctx);
awaitable<Result> get_bucket_encryption(RequestContext& ctx);
awaitable<Result> delete_bucket_encryption(RequestContext& ctx);
awaitable<Result> put_bucket_tagging(RequestContext& ctx);
awaitable<Result> get_bucket_tagging(RequestContext& ctx);
awaitable<Result> delete_bucket_tagging(RequestContext& ctx);
// object_lock.cpp
awaitable<Result> put_object_lock_configuration(RequestContext& ctx);
awaitable<Result> get_object_lock_configuration(RequestContext& ctx);
awaitable<Result> put_object_retention(RequestContext& ctx);
awaitable<Result> get_object_retention(RequestContext& ctx);
awaitable<Result> put_object_legal_hold(RequestContext& ctx);
awaitable<Result> get_object_legal_hold(RequestContext& ctx);
// lifecycle.cpp
awaitable<Result> put_bucket_lifecycle(RequestContext& ctx);
awaitable<Result> get_bucket_lifecycle(RequestContext& ctx);
awaitable<Result> delete_bucket_lifecycle(RequestContext& ctx);

}  // namespace silt::server::handlers
