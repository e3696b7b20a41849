// The monitors' answers the cluster state is made of (rados/cluster_status.h), as Ceph
// Pacific gives them without a ceph-mgr (captured from scripts/ceph-cluster.sh's cluster),
// and `df` as a mgr fills it. No cluster needed.
#include <catch2/catch.hpp>

#include "rados/cluster_status.h"

using namespace silt;
using namespace silt::rados;

TEST_CASE("cluster status: `status` gives health, checks, quorum and OSD counts") {
  ClusterState s;
  REQUIRE(apply_status(
      R"({"fsid":"x","health":{"status":"HEALTH_WARN","checks":{"OSD_DOWN":{"severity":"HEALTH_WARN"}},"mutes":[]},)"
      R"("quorum":[0],"quorum_names":["a"],"monmap":{"epoch":1,"num_mons":1},)"
      R"("osdmap":{"epoch":30,"num_osds":3,"num_up_osds":2,"num_in_osds":3,"num_remapped_pgs":0},)"
      R"("pgmap":{"pgs_by_state":[],"num_pgs":0},"mgrmap":{"available":false,"num_standbys":0}})",
      s));
  CHECK(s.health == CephHealth::Warn);
  CHECK(s.health_checks == std::vector<std::string>{"OSD_DOWN"});
  CHECK(s.mons_total == 1);
  CHECK(s.mons_in_quorum == 1);
  CHECK(s.osds_total == 3);
  CHECK(s.osds_up == 2);
  CHECK(s.osds_in == 3);
  CHECK_FALSE(s.mgr_available);
  CHECK_FALSE(apply_status("not json", s));
  CHECK_FALSE(apply_status("[1]", s));
  ClusterState odd;  // fields of the wrong type count as absent, never throw
  REQUIRE(apply_status(R"({"health":"ok","quorum":{},"osdmap":{"num_osds":"3"}})", odd));
  CHECK(odd.health == CephHealth::Err);
  CHECK(odd.osds_total == 0);
}

TEST_CASE("cluster status: `osd dump` gives pools and up OSDs; `pg map` the live acting OSDs") {
  auto v = parse_osd_dump(
      R"({"epoch":30,"pools":[{"pool":1,"pool_name":"silt.meta","type":1,"size":2,"min_size":1,"pg_num":8,)"
      R"("erasure_code_profile":""},{"pool":2,"pool_name":"silt.std","type":3,"size":3,"min_size":2,"pg_num":8,)"
      R"("erasure_code_profile":"silt-isa-2-1","stripe_width":8192}],"osds":[{"osd":0,"up":1,"in":1},{"osd":1,"up":1,"in":1},)"
      R"({"osd":2,"up":0,"in":1}]})");
  REQUIRE(v);
  CHECK(v->epoch == 30);
  REQUIRE(v->pools.size() == 2);
  CHECK_FALSE(v->pools[0].erasure);
  CHECK(v->pools[1].erasure);
  CHECK(v->pools[1].ec_profile == "silt-isa-2-1");
  CHECK(v->pools[0].stripe_width == 0);  // absent: 0
  CHECK(v->pools[1].stripe_width == 8192);
  CHECK(v->pools[1].min_size == 2);
  CHECK(v->up == std::set<int>{0, 1});
  CHECK(v->total == 3);
  CHECK(v->in == 3);

  // An EC PG with its shard on the down OSD shows CRUSH_ITEM_NONE in its place.
  CHECK(*live_acting(R"({"epoch":30,"pgid":"2.1","up":[2147483647,1,0],"acting":[2147483647,1,0]})", v->up) == 2);
  CHECK(*live_acting(R"({"acting":[2,1,0]})", v->up) == 2);  // a map not yet updated: 2 is down
  CHECK(*live_acting(R"({"acting":[0,1]})", v->up) == 2);
  CHECK_FALSE(live_acting(R"({"up":[0]})", v->up));
}

TEST_CASE("cluster status: PGs count as clean, degraded or inactive against size and min_size") {
  PgCounts c;
  count_pg(c, 3, 3, 2);
  count_pg(c, 2, 3, 2);
  count_pg(c, 1, 3, 2);
  count_pg(c, 0, 2, 1);
  count_pg(c, 1, 2, 1);
  CHECK(c.total == 5);
  CHECK(c.clean == 1);
  CHECK(c.degraded == 2);
  CHECK(c.inactive == 2);
  ClusterPool p;
  p.pgs = c;
  CHECK_FALSE(p.writable());
  p.pgs = {4, 2, 2, 0};
  CHECK(p.writable());
  ClusterState s;
  s.pools = {p};
  CHECK_FALSE(s.writable());  // not reachable
  s.reachable = true;
  CHECK(s.writable());
}

TEST_CASE("cluster status: `df` fills usage only for the pools it lists (a mgr's)") {
  std::vector<ClusterPool> pools(2);
  pools[0].name = "silt.meta";
  pools[1].name = "silt.std";
  REQUIRE(apply_df(R"({"stats":{"total_bytes":0},"stats_by_class":{},"pools":[]})", pools));  // no mgr
  CHECK_FALSE(pools[1].used_bytes);
  REQUIRE(apply_df(R"({"pools":[{"name":"silt.std","id":2,"stats":{"stored":1048576,"objects":4,)"
                   R"("kb_used":1536,"bytes_used":1572864,"percent_used":0.01,"max_avail":1000}}]})",
                   pools));
  CHECK_FALSE(pools[0].used_bytes);
  CHECK(*pools[1].stored_bytes == 1048576);
  CHECK(*pools[1].used_bytes == 1572864);
  CHECK(*pools[1].objects == 4);
  CHECK_FALSE(apply_df("{", pools));
}
