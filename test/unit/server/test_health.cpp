// The health probes on a real erasure object layer: drive states decide the cluster probes.
#include <catch2/catch.hpp>

#include "common/object_model.h"
#include "erasure/healer.h"
#include "erasure/pool.h"
#include "server/ops/health.h"
#include "test/unit/storage/storage_env.h"

using boost::beast::http::verb;
using silt::DriveState;
using silt::server::answer_health;

namespace {
std::string header(const silt::server::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<none>";
}
}  // namespace

TEST_CASE("health: live and ready, MinIO's paths and silt's, GET and HEAD only") {
  silt::test::StorageEnv env;
  silt::Healer healer(dynamic_cast<silt::ErasureObjectLayer&>(*env.layer), {});  // the erasure backend's Maintenance
  silt::Maintenance* layer = &healer;
  for (const char* path : {"/minio/health/live", "/minio/health/ready", "/_silt/health/live", "/_silt/health/ready"}) {
    auto r = answer_health(verb::get, path, layer, false);
    REQUIRE(r);
    CHECK(r->status == 200);
    auto h = answer_health(verb::head, path, layer, false);
    REQUIRE(h);
    CHECK(h->status == 200);
    CHECK(h->body.empty());
    CHECK_FALSE(answer_health(verb::post, path, layer, false));
    auto stopping = answer_health(verb::get, path, layer, true);
    REQUIRE(stopping);
    CHECK(stopping->status == 503);
    CHECK(header(*stopping, "X-Minio-Server-Status") == "offline");
  }
  CHECK(answer_health(verb::get, "/_silt/health/live", layer, false)->body == "OK\n");
  CHECK(answer_health(verb::get, "/minio/health/live", layer, false)->body.empty());
  CHECK_FALSE(answer_health(verb::get, "/minio/health/nonesuch", layer, false));
  CHECK_FALSE(answer_health(verb::get, "/_silt/health/cluster", layer, false));  // MinIO's paths only
  CHECK_FALSE(answer_health(verb::get, "/minio/bucket-object", layer, false));
}

TEST_CASE("health: cluster follows write quorum, cluster/read read quorum") {
  silt::test::StorageEnv env;  // 4+2: reads need 4 drives, writes 5
  silt::Healer healer(dynamic_cast<silt::ErasureObjectLayer&>(*env.layer), {});
  silt::Maintenance* layer = &healer;
  auto cluster = [&](const char* path) { return answer_health(verb::get, path, layer, false); };
  CHECK(cluster("/minio/health/cluster")->status == 200);
  CHECK(header(*cluster("/minio/health/cluster"), "X-Minio-Write-Quorum") == "5");
  CHECK(cluster("/minio/health/cluster/read")->status == 200);
  CHECK(cluster("/minio/health/cluster?maintenance=true")->status == 412);

  // Every pool of the default configuration shares the six drives.
  auto take_offline = [&](int i) {
    for (auto& p : env.set().pools) p->drives[i].set_state(DriveState::Offline, "test");
  };
  take_offline(0);
  CHECK(cluster("/minio/health/cluster")->status == 200);
  env.set().pools[0]->drives[1].set_state(DriveState::Healing, "test");  // healing still takes writes
  CHECK(cluster("/minio/health/cluster")->status == 200);
  take_offline(1);
  auto lost = cluster("/minio/health/cluster");
  CHECK(lost->status == 503);
  CHECK(header(*lost, "X-Minio-Write-Quorum") == "5");
  CHECK(answer_health(verb::head, "/minio/health/cluster", layer, false)->status == 503);
  CHECK(cluster("/minio/health/cluster/read")->status == 200);
  take_offline(2);
  CHECK(cluster("/minio/health/cluster/read")->status == 503);
}

TEST_CASE("the bucket name minio is reserved, and only it") {
  CHECK(silt::is_reserved_bucket_name("minio"));
  CHECK_FALSE(silt::is_reserved_bucket_name("minio-data"));
  CHECK_FALSE(silt::is_reserved_bucket_name("minio1"));
}

TEST_CASE("health: a backend without Maintenance is always in quorum") {
  auto r = answer_health(verb::get, "/minio/health/cluster", nullptr, false);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(header(*r, "X-Minio-Write-Quorum") == "<none>");
  CHECK(answer_health(verb::get, "/minio/health/cluster/read", nullptr, false)->status == 200);
  CHECK(answer_health(verb::get, "/minio/health/cluster", nullptr, true)->status == 503);
}

namespace {
// A cluster state handed in as is: what rados/cluster_status.h would have cached.
struct FixedCluster final : silt::ClusterStatus {
  silt::ClusterState state;
  silt::ClusterState cluster_state() override { return state; }
};

silt::ClusterPool pool(const char* name, bool index, int size, int min_size, uint64_t clean, uint64_t degraded,
                       uint64_t inactive) {
  silt::ClusterPool p;
  p.name = name;
  p.index = index;
  p.size = size;
  p.min_size = min_size;
  p.pgs = {clean + degraded + inactive, clean, degraded, inactive};
  return p;
}
}  // namespace

TEST_CASE("health: on a storage cluster the cluster probes follow the pools' PGs and the monitors") {
  FixedCluster c;
  c.state.reachable = true;
  c.state.measured_ms = 1;
  c.state.pools = {pool("silt.meta", true, 2, 1, 8, 0, 0), pool("silt.std", false, 3, 2, 8, 0, 0)};
  auto probe = [&](const char* path, bool stopping = false) {
    return answer_health(verb::get, path, nullptr, stopping, &c);
  };
  for (const char* path :
       {"/minio/health/cluster", "/minio/health/cluster/read", "/minio/health/cluster?maintenance=true"}) {
    auto r = probe(path);
    REQUIRE(r);
    CHECK(r->status == 200);                           // a gateway holds no data: maintenance loses nothing
    CHECK(header(*r, "X-Minio-Write-Quorum") == "2");  // the first data pool's min_size
  }
  c.state.pools[1].pgs = {8, 5, 3, 0};  // an OSD down: degraded PGs still take writes
  CHECK(probe("/minio/health/cluster")->status == 200);
  c.state.pools[1].pgs = {8, 5, 2, 1};  // one PG below min_size
  CHECK(probe("/minio/health/cluster")->status == 503);
  CHECK(probe("/minio/health/cluster/read")->status == 503);
  CHECK(answer_health(verb::head, "/minio/health/cluster", nullptr, false, &c)->status == 503);
  c.state.pools[1].pgs = {8, 8, 0, 0};
  c.state.reachable = false;  // the monitors stopped answering
  CHECK(probe("/minio/health/cluster")->status == 503);
  c.state.reachable = true;
  c.state.pools[0].pgs = {};  // the index pool is missing: no PG can take writes
  CHECK(probe("/minio/health/cluster")->status == 503);
  c.state.pools[0] = pool("silt.meta", true, 2, 1, 8, 0, 0);
  auto stopping = probe("/minio/health/cluster", true);
  CHECK(stopping->status == 503);
  CHECK(header(*stopping, "X-Minio-Server-Status") == "offline");
  // live and ready stay the gateway's own: a cluster fault does not drain every gateway at once.
  c.state.reachable = false;
  CHECK(probe("/_silt/health/ready")->status == 200);
  CHECK(probe("/minio/health/live")->status == 200);
}
