// The HTTP front end: listener, io_context threads (one per core), the blocking
// pool for disk work, and graceful stop on SIGINT/SIGTERM.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "auth/user_store.h"
#include "object/object_layer.h"
#include "server/http/config.h"

namespace silt {
class Maintenance;
class ClusterStatus;
}  // namespace silt
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
// bucket_changes: for a backend several processes serve (RADOS), registers the callback
// it must call with a bucket whose policy, ACL or settings another process changed ("":
// every bucket), so the cached access decisions follow (empty: none, one process).
// cluster: the state of the storage cluster behind the health probes, metrics, admin status and
// console on a backend that keeps its own data whole (RADOS; object/cluster_status.h; may be null).
using BucketChangeHook = std::function<void(std::function<void(std::string_view bucket)>)>;
int serve(const Config& config, ObjectLayer& objects, auth::UserStore& users, lifecycle::Worker* lifecycle = nullptr,
          Maintenance* maintenance = nullptr, std::shared_ptr<const crypto::ServerKeys> keys = nullptr,
          const BucketChangeHook& bucket_changes = {}, ClusterStatus* cluster = nullptr);

}  // namespace silt::server
