// The admin API under /_silt/admin/v1/ (docs/admin-api.md): usage, lifecycle
// passes and simulations, as JSON. Requests are SigV4-signed like S3 ones and
// admitted only for the admin (root) user; the session checks that first.
#pragma once

#include <string_view>

#include "common/error.h"
#include "server/s3/handler.h"

namespace silt::server {

bool is_admin_target(std::string_view target);

// Blocking (walks the index): run it on the blocking pool.
// body: the request body (the users calls take JSON), already verified against its signature.
s3::Result<Response> handle_admin(std::string_view method, std::string_view target, Services& svc,
                                  std::string_view body = {});

}  // namespace silt::server
