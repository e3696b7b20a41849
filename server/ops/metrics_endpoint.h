// GET /_silt/metrics (and MinIO's /minio/v2/metrics/cluster and /node paths, for
// dashboards written for MinIO): the Prometheus exposition. Open by default, as
// Prometheus scrapes without signing; with --metrics-token only for
// "Authorization: Bearer TOKEN".
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <string_view>

#include "common/error.h"
#include "server/s3/handler.h"

namespace silt::server {

bool is_metrics_target(std::string_view target);

// The exposition, or AccessDenied (403) for a missing or wrong token.
boost::asio::awaitable<s3::Result<Response>> serve_metrics(const boost::beast::http::request_header<>& hdr,
                                                           Services& svc);

}  // namespace silt::server
