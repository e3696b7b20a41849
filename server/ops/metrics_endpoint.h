// GET /_silt/metrics (and MinIO's /minio/v2/metrics/cluster and /node paths, for
// dashboards written for MinIO): the Prometheus exposition. Open by default, as
// Prometheus scrapes without signing; with --metrics-token only for
// "Authorization: Bearer TOKEN". The paths are rows of the endpoint table
// (server/s3/router.cpp); the session checks the token before anything else.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include "common/error.h"
#include "server/http/config.h"
#include "server/ops/own_context.h"

namespace silt::server {

// ok when no token is configured or the request carries it; else AccessDenied (403).
s3::Status check_metrics_token(const boost::beast::http::request_header<>& hdr, const Config& config);

// The exposition; MethodNotAllowed for anything but GET and HEAD.
boost::asio::awaitable<s3::Result<Response>> serve_metrics(OwnContext& ctx);

}  // namespace silt::server
