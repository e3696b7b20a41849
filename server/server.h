// The HTTP front end: listener, io_context threads (one per core), the blocking
// pool for disk work, and graceful stop on SIGINT/SIGTERM.
#pragma once

#include "auth/credentials.h"
#include "erasure/object_layer.h"
#include "server/config.h"

namespace silt::lifecycle {
class Worker;
}

namespace silt::server {

// Binds, logs "listening on http://host:port", serves until SIGINT/SIGTERM, lets
// in-flight requests finish, and returns the process exit code.
// lifecycle: the worker behind the admin API's lifecycle calls and x-amz-expiration (may be null).
int serve(const Config& config, ObjectLayer& objects, const auth::CredentialStore& credentials,
          lifecycle::Worker* lifecycle = nullptr);

}  // namespace silt::server
