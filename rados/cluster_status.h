// The cluster's state as its monitors tell it (object/cluster_status.h), for the health
// probes, the metrics, the admin API and the console of a RADOS-backed gateway.
//
// A thread asks the monitors every refresh interval, on a connection of its own, with mon
// commands that need no ceph-mgr (the test cluster runs none): `status` (health, quorum,
// OSD counts), `osd dump` (each pool's size, min_size, PG count; which OSDs are up) and,
// only when the OSD map's epoch changed, `pg map` of each PG of silt's pools (its acting
// OSDs). `df` gives pool usage only when a mgr runs; without one those fields stay unknown.
// Readers get the last snapshot and never wait on the cluster: a probe costs no round trip,
// and a monitor that stops answering shows as a snapshot older than the stale limit
// (unreachable), not as a hung request.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/error.h"
#include "object/cluster_status.h"
#include "rados/rados_config.h"

namespace silt::rados {

class Connection;
struct Backend;

// The pieces of the monitors' JSON answers the snapshot is made of; free functions so the
// unit tests feed them captured answers.
struct OsdMapPool {
  int id = 0;
  std::string name;
  int size = 0;
  int min_size = 0;
  int pg_num = 0;
  bool erasure = false;
  std::string ec_profile;
  uint64_t stripe_width = 0;
};
struct OsdMapView {
  uint64_t epoch = 0;
  std::vector<OsdMapPool> pools;
  std::set<int> up;  // OSD ids up
  int total = 0;
  int in = 0;
};
// `status` (JSON): health and its checks, monitors in quorum, OSD counts, whether a mgr runs.
s3::Status apply_status(std::string_view json, ClusterState& out);
// `osd dump` (JSON).
s3::Result<OsdMapView> parse_osd_dump(std::string_view json);
// `pg map` (JSON) of one PG: how many of its acting OSDs are up (EC holes and down OSDs
// do not count).
s3::Result<int> live_acting(std::string_view json, const std::set<int>& up);
// `df` (JSON): stored bytes, raw used bytes and objects of each pool it lists (none
// without a mgr), matched by name.
s3::Status apply_df(std::string_view json, std::vector<ClusterPool>& pools);
// One PG with `live` of its acting OSDs up, in a pool of size / min_size, into counts.
void count_pg(PgCounts& counts, int live, int size, int min_size);

struct ClusterMonitorOptions {
  int64_t refresh_ms = 2000;  // between two asks of the monitors
  int64_t stale_ms = 15000;   // a snapshot older than this reports the cluster unreachable
  int mon_timeout_s = 10;     // a mon command unanswered this long fails the refresh
};

class ClusterMonitor final : public ClusterStatus {
 public:
  // Connects (its own librados client, as cfg says) and starts the refresh thread; the
  // first snapshot follows within one round of mon commands. Fails only when the cluster
  // cannot be connected to at all (the gateway then could not serve either).
  // data: the gateway's backend (rados/pending.h walks its index for pending_data); it
  // must outlive the monitor. nullptr: pending_data answers NotImplemented.
  static s3::Result<std::unique_ptr<ClusterMonitor>> open(const RadosConfig& cfg, ClusterMonitorOptions opt = {},
                                                          Backend* data = nullptr);
  ~ClusterMonitor() override;  // stops and joins the thread

  ClusterState cluster_state() override;
  // rados/pending.h's walk, on the caller's thread (it blocks; no lock of the snapshot held).
  s3::Result<PendingData> pending_data() override;

 private:
  ClusterMonitor(std::unique_ptr<Connection> conn, const RadosConfig& cfg, ClusterMonitorOptions opt);
  void run();
  // One round of mon commands into a new snapshot; an error when the monitors do not answer.
  s3::Result<ClusterState> refresh();
  s3::Result<std::pair<int, int>> ec_profile(const std::string& pool);  // k, m of an EC pool, cached

  std::unique_ptr<Connection> conn_;
  ClusterMonitorOptions opt_;
  Backend* data_ = nullptr;
  uint64_t inline_bytes_ = 0;        // the config's, into every snapshot
  std::vector<ClusterPool> layout_;  // silt's pools with names and classes; the rest filled per refresh

  // PG counts per RADOS pool as of map_epoch_ (recomputed only when the epoch moves).
  uint64_t map_epoch_ = 0;
  std::map<std::string, PgCounts> pg_counts_;
  std::map<std::string, std::pair<int, int>> profiles_;  // by pool

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  ClusterState last_;       // the last good snapshot
  std::string last_error_;  // of the last failed refresh; empty when it succeeded
  std::thread thread_;
};

}  // namespace silt::rados
