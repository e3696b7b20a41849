// The HTTP front end: listener, io_context threads (one per core), the blocking
// pool for disk work, and graceful stop on SIGINT/SIGTERM.
#pragma once

#include "auth/user_store.h"
#include "object/object_layer.h"
#include "server/http/config.h"

namespace silt {
class Healer;
}
namespace silt::lifecycle {
class Worker;
}

namespace silt::server {

// Binds, logs "listening on http://host:port", serves until SIGINT/SIGTERM, lets
// in-flight requests finish, and returns the process exit code.
// lifecycle: the worker behind the admin API's lifecycle calls and x-amz-expiration (may be null).
// healer: the drive healer behind the admin API's status and heal calls (may be null).
// users: the access keys requests are signed with, managed through the admin API.
int serve(const Config& config, ObjectLayer& objects, auth::UserStore& users, lifecycle::Worker* lifecycle = nullptr,
          Healer* healer = nullptr);

}  // namespace silt::server
