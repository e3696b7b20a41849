// The admin API under /_silt/admin/v1/ (docs/admin-api.md): usage, lifecycle
// passes and simulations, heal passes, users, as JSON. Requests are SigV4-signed like S3
// ones and admitted only for the admin (root) user; the session checks that first. Each
// call is a row of the endpoint table (server/s3/router.cpp) naming one function below.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "server/s3/handler.h"

namespace silt::server {

// One admin API request, as a call's function receives it.
struct AdminCall {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // "/_silt/admin/v1/usage"
  std::vector<std::pair<std::string, std::string>> query;
  std::string bucket;     // ?bucket=, "" when absent
  std::string_view body;  // the request body (the users calls take JSON), verified against its signature
  Services& svc;

  // ok when method is m, else MethodNotAllowed: a call's path is one row, whatever the method.
  s3::Status expect(std::string_view m) const;
};

// Blocking (walks the index, writes users.json): run on the blocking pool.
using AdminHandler = s3::Result<Response> (*)(const AdminCall&);

// The calls, one per row. admin_unknown answers a path under /_silt/admin/ that names no
// call (an unknown version or call): InvalidRequest.
s3::Result<Response> admin_users(const AdminCall& c);
s3::Result<Response> admin_usage(const AdminCall& c);
s3::Result<Response> admin_lifecycle_run(const AdminCall& c);
s3::Result<Response> admin_lifecycle_status(const AdminCall& c);
s3::Result<Response> admin_lifecycle_simulate(const AdminCall& c);
s3::Result<Response> admin_status(const AdminCall& c);
s3::Result<Response> admin_heal_run(const AdminCall& c);
s3::Result<Response> admin_heal_status(const AdminCall& c);
// GET/PUT/DELETE freeze: the write freeze's state / freeze (waiting up to 30 s for the
// writes admitted before) / unfreeze (server/ops/freeze.h). {"frozen", "since_ms", "in_flight"}.
s3::Result<Response> admin_freeze(const AdminCall& c);
s3::Result<Response> admin_unknown(const AdminCall& c);

// Runs call for (method, target). Blocking.
s3::Result<Response> run_admin(AdminHandler call, std::string_view method, std::string_view target, Services& svc,
                               std::string_view body = {});

// Finds target's row and runs it: the console's way in to the admin API's JSON. Blocking.
s3::Result<Response> handle_admin(std::string_view method, std::string_view target, Services& svc,
                                  std::string_view body = {});

}  // namespace silt::server
