// Unauthenticated health probes, answered before any S3 routing:
//   /_silt/health/live, /_silt/health/ready        silt's own (body "OK\n")
//   /minio/health/live, /minio/health/ready        MinIO's paths, as Docker and Kubernetes
//   /minio/health/cluster, /minio/health/cluster/read   probes of MinIO deployments call them
// live/ready: 200 while serving, 503 with X-Minio-Server-Status: offline once the server
// is stopping. cluster: 200 while every pool has write quorum, else 503; cluster/read the
// same for read quorum; both carry X-Minio-Write-Quorum. ?maintenance=true on cluster asks
// whether this node may be taken down without losing quorum: silt is one node, so 412.
// On a Ceph cluster (RADOS backend) the cluster probes answer from the monitors' state
// (object/cluster_status.h): 200 while every pool silt uses takes writes, 503 when one
// cannot or the monitors do not answer; a gateway holds no data, so ?maintenance=true
// answers the same. live/ready stay this gateway's own (docs/operations.md, "Health").
// GET and HEAD only; anything else falls through to S3 routing (as a bucket "minio", which
// CreateBucket refuses, so the paths never clash with a real bucket).
#pragma once

#include <boost/beast/http/verb.hpp>
#include <optional>
#include <string_view>

#include "object/cluster_status.h"
#include "object/maintenance.h"
#include "server/ops/own_context.h"
#include "server/s3/response.h"

namespace silt::server {

// The answer when (method, target) is a health probe; nullopt otherwise. storage: the
// pools the cluster probes ask about (object/maintenance.h); null: a backend with none,
// always in quorum. cluster: a storage cluster's state, which the cluster probes then
// answer from instead (null: none). Never blocks (pool_status and cluster_state read
// in-memory states): io thread.
std::optional<Response> answer_health(boost::beast::http::verb method, std::string_view target, Maintenance* storage,
                                      bool stopping, ClusterStatus* cluster = nullptr);

// The endpoint table's entry (server/s3/router.cpp): its health rows are the paths above.
boost::asio::awaitable<s3::Result<Response>> serve_health(OwnContext& ctx);

}  // namespace silt::server
