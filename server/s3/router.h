// The router table: every S3 operation silt serves, and how a request is matched to it.
#pragma once

#include <string_view>
#include <vector>

#include "server/s3/handler.h"

namespace silt::server {

struct Route {
  std::string_view operation;  // S3 operation name, for logs and metrics
  Handler handler;
};

// Finds the operation for a request. NotImplemented for S3 operations silt does not
// serve yet (so no client ever gets a wrong 200), MethodNotAllowed for nonsense. A routed
// request with a header asking for a feature silt lacks gets that row's error from
// server/s3/unsupported_headers.h instead of its route.
s3::Result<Route> route(const S3Request& req);

// Every operation name of the table, once each (the metrics' label values).
std::vector<std::string_view> operation_names();

}  // namespace silt::server
