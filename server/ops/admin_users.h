// The admin API's users calls (docs/admin-api.md): list, add and remove access keys.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "server/s3/handler.h"

namespace silt::server {

// GET/PUT/DELETE /_silt/admin/v1/users[?accessKey=K] (DELETE: [&reassignTo=USER]).
// Blocking (writes users.json, lists buckets).
s3::Result<Response> handle_admin_users(std::string_view method,
                                        const std::vector<std::pair<std::string, std::string>>& query,
                                        std::string_view body, Services& svc);

}  // namespace silt::server
