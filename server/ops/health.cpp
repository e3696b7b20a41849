#include "server/ops/health.h"

#include "util/uri.h"

namespace silt::server {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kSiltPrefix = "/_silt/health/";
constexpr std::string_view kMinioPrefix = "/minio/health/";

Response status_only(int status, bool head, std::string_view body = {}) {
  Response r;
  r.status = status;
  if (body.empty()) return r;
  r.content_type = "text/plain";
  if (head) {
    r.length_only = true;
    r.stream_length = body.size();
  } else {
    r.body = body;
  }
  return r;
}

bool wants_maintenance(std::string_view query) {
  for (const auto& [k, v] : parse_query(query))
    if (k == "maintenance" && v == "true") return true;
  return false;
}

Response cluster(Maintenance* storage, bool read_only, bool maintenance, bool stopping, bool head) {
  // A backend without Maintenance has no pools that can lose quorum.
  const auto pools = storage ? storage->pool_status() : std::vector<PoolStatus>{};
  bool ok = !stopping;
  int write_quorum = 0;
  for (const auto& p : pools) {
    ok = ok && (read_only ? p.readable() : p.writable());
    if (p.default_pool || write_quorum == 0) write_quorum = p.write_quorum;
  }
  // One node holds every drive: taking it down for maintenance always loses quorum.
  int status = maintenance ? 412 : ok ? 200 : 503;
  Response r = status_only(status, head);
  if (write_quorum > 0) r.add("X-Minio-Write-Quorum", std::to_string(write_quorum));
  if (stopping) r.add("X-Minio-Server-Status", "offline");
  return r;
}

// On a Ceph cluster: every pool silt uses must take writes, by the monitors' last word
// (a PG below min_size serves neither reads nor writes, so cluster/read asks the same).
// A gateway keeps no data: taking it down for maintenance loses nothing, so
// ?maintenance=true answers as the plain probe does.
Response cluster_from(ClusterStatus& source, bool stopping, bool head) {
  const ClusterState st = source.cluster_state();
  Response r = status_only(!stopping && st.writable() ? 200 : 503, head);
  // The write quorum of the pool STANDARD goes to: its min_size (first data pool listed).
  for (const auto& p : st.pools)
    if (!p.index && p.min_size > 0) {
      r.add("X-Minio-Write-Quorum", std::to_string(p.min_size));
      break;
    }
  if (stopping) r.add("X-Minio-Server-Status", "offline");
  return r;
}

}  // namespace

std::optional<Response> answer_health(http::verb method, std::string_view target, Maintenance* storage, bool stopping,
                                      ClusterStatus* cluster_source) {
  const bool head = method == http::verb::head;
  if (method != http::verb::get && !head) return std::nullopt;
  const size_t qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query = qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
  const bool silt = path.rfind(kSiltPrefix, 0) == 0;
  if (!silt && path.rfind(kMinioPrefix, 0) != 0) return std::nullopt;
  const std::string_view which = path.substr(silt ? kSiltPrefix.size() : kMinioPrefix.size());

  if (which == "live" || which == "ready") {
    if (stopping) {
      Response r = status_only(503, head);
      r.add("X-Minio-Server-Status", "offline");
      return r;
    }
    return status_only(200, head, silt ? "OK\n" : "");
  }
  if (!silt && (which == "cluster" || which == "cluster/read") && cluster_source)
    return cluster_from(*cluster_source, stopping, head);
  if (!silt && (which == "cluster" || which == "cluster/read"))
    return cluster(storage, which == "cluster/read", wants_maintenance(query), stopping, head);
  return std::nullopt;
}

boost::asio::awaitable<s3::Result<Response>> serve_health(OwnContext& ctx) {
  auto r = answer_health(ctx.head.method(), ctx.head.target(), ctx.svc.maintenance, ctx.stopping, ctx.svc.cluster);
  if (!r) co_return s3::Error(s3::Code::InternalError, "Not a health probe");  // the table routes only probes here
  co_return std::move(*r);
}

}  // namespace silt::server
