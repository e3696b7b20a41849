// The HTTP front end: listener, io_context threads (one per core), the blocking
// pool for disk work, and graceful stop on SIGINT/SIGTERM.
#pragma once

#include <memory>

#include "auth/user_store.h"
#include "object/object_layer.h"
#include "server/http/config.h"

namespace silt {
class Maintenance;
}
namespace silt::lifecycle {
class Worker;
}

namespace silt::crypto {
struct ServerKeys;
}

namespace silt::server {

// Binds, logs "listening on http://host:port", serves until SIGINT/SIGTERM, lets
// in-flight requests finish, and returns the process exit code.
// lifecycle: the worker behind the admin API's lifecycle calls and x-amz-expiration (may be null).
// maintenance: storage health behind the cluster probes and the admin API's status and heal calls
// (object/maintenance.h; may be null).
// users: the access keys requests are signed with, managed through the admin API.
// keys: the master keys and keyring of encryption at rest (null: none).
int serve(const Config& config, ObjectLayer& objects, auth::UserStore& users, lifecycle::Worker* lifecycle = nullptr,
          Maintenance* maintenance = nullptr, std::shared_ptr<const crypto::ServerKeys> keys = nullptr);

}  // namespace silt::server
