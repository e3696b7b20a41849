// What every S3 operation handler receives, and its signature.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>

#include "auth/sigv4.h"
#include "common/error.h"
#include "crypto/key_set.h"
#include "object/object_layer.h"
#include "server/http/buffer_pool.h"
#include "server/http/config.h"
#include "server/ops/freeze.h"
#include "server/s3/body_reader.h"
#include "server/s3/bucket_access.h"
#include "server/s3/response.h"
#include "server/s3/s3_request.h"

namespace silt {

class Maintenance;
class ClusterStatus;
namespace lifecycle {
class Worker;
}
namespace auth {
class UserStore;
}

namespace server {

class Metrics;
class AccessLog;
struct Endpoint;

// Shared by all sessions of one server; lives as long as the server.
struct Services {
  const Config& config;
  ObjectLayer& objects;
  boost::asio::thread_pool& blocking;
  lifecycle::Worker* lifecycle = nullptr;  // null: no lifecycle worker (tests)
  Maintenance* maintenance = nullptr;      // storage health (object/maintenance.h); null: the backend has none
  auth::UserStore* users = nullptr;        // the admin API's users calls; null: none (tests)
  ClusterStatus* cluster = nullptr;        // a storage cluster's state (object/cluster_status.h); null: none
  Metrics* metrics = nullptr;              // null: requests are not counted
  AccessLog* access_log = nullptr;         // null: no access log
  // Parsed bucket policies and ACLs (server/s3/bucket_access.h).
  std::shared_ptr<BucketAccessCache> access = std::make_shared<BucketAccessCache>();
  // Response body buffers (server/http/buffer_pool.h); 32 idle ones cover 16 streaming GETs.
  std::shared_ptr<BufferPool> buffers = std::make_shared<BufferPool>(32);
  // Keys for encryption at rest (crypto/key_set.h); empty sets: SSE-S3/SSE-KMS unavailable.
  std::shared_ptr<const crypto::ServerKeys> keys = std::make_shared<crypto::ServerKeys>();
  // Runs PUT commits, which mostly wait for the group commit; null: they run on blocking.
  boost::asio::thread_pool* commits = nullptr;
  // Writes refused while a migration's last pass runs (server/ops/freeze.h).
  std::shared_ptr<WriteFreeze> freeze = std::make_shared<WriteFreeze>();
  boost::asio::thread_pool& commit_pool() { return commits ? *commits : blocking; }
};

struct RequestContext {
  const S3Request& req;
  const auth::Identity& identity;
  BodyReader& body;
  Services& svc;
  // For handlers that authenticate by themselves (browser POST with a signed policy).
  const auth::CredentialStore* credentials = nullptr;
  // The request's row of the endpoint table (server/s3/router.h), for handlers that authorize
  // by themselves (POST Object, once its form is read).
  const Endpoint* endpoint = nullptr;
};

using Handler = boost::asio::awaitable<s3::Result<Response>> (*)(RequestContext&);

}  // namespace server
}  // namespace silt
