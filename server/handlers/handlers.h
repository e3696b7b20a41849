// S3 operation handlers, one file per family (see router.cpp for the table).
#pragma once

#include "server/handler.h"
#include "server/xml.h"

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

}  // namespace silt::server::handlers
