// The RADOS backend's configuration (docs/cluster.md): which Ceph cluster, which
// replicated pool holds the index, which RADOS pool each silt pool (and so each
// storage class) stores its data in, and the factory that opens it as an ObjectLayer.
// Plain values: cmd/ parses them whether or not this build has librados.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "object/object_layer.h"

namespace silt {

// A silt pool on RADOS: its data lives in rados_pool (an EC pool, k+m read from the
// cluster). The price is silt's, for the cost view.
struct RadosPoolConfig {
  std::string name;
  std::string rados_pool;
  // Gateway zstd (rados/frames.h): each data object a zstd frame at this level when
  // that is smaller; 0: stored as written.
  int zstd_level = 0;
  double price_per_tb_month = 0;
  // The EC profile `silt admin rados init` gives rados_pool (rados/pool_init.h): k data
  // and m coding chunks with the ISA-L plugin. 0: not given (init refuses the pool).
  // The server reads k+m from the cluster, not from here.
  int k = 0;
  int m = 0;
  std::string ec_profile;  // the profile's name; empty: silt-isa-<k>-<m>
};

struct RadosConfig {
  std::string ceph_conf;  // the ceph.conf clients use; empty: librados' default search
  std::string client_id = "admin";
  std::string index_pool = "silt.meta";  // replicated (omap)
  // Every object silt makes, in every pool, lives in this RADOS namespace: several
  // independent silt deployments (or tests) can share one cluster's pools.
  std::string name_space;
  uint32_t stripe_bytes = 4u << 20;  // object bytes per RADOS data object
  uint32_t inline_bytes = 4096;      // objects up to this size live in the index shard
  int writes_in_flight = 4;          // aio write_full calls a writer keeps going
  int reads_ahead = 3;               // aio reads a reader keeps going past the one it serves
  // Replaced data is removed this long after the commit that replaced it, so a
  // reader that opened the old version can finish. 0: at the next GC pass.
  int64_t gc_grace_ms = 15 * 60 * 1000;
  int64_t gc_interval_ms = 60 * 1000;  // between GC passes; 0: no GC thread
  // A write intent older than this belongs to a writer that is gone (a gateway killed
  // mid-PUT): the GC pass reclaims its data. A live writer renews its intent at half
  // this age, so only one stalled longer than this loses its write (500, retried).
  int64_t intent_timeout_ms = 60 * 60 * 1000;
  // The OSD drops a gateway's watch (rados/watch.h) after this long without a ping from
  // it; a gateway trusts its cached bucket configs and users only while its watch was
  // confirmed within half of it. At least 10 s (librados pings every 5 s).
  uint32_t watch_timeout_s = 30;
  // A data or index op the cluster does not answer in this long fails, and its request
  // answers 503 SlowDown (PGs that cannot serve: OSDs down below min_size). librados'
  // rados_osd_op_timeout; 1 to 600.
  uint32_t op_timeout_s = 20;
  // A shard whose omap passes this many entries splits in two (docs/cluster.md, "Index
  // shards"): half the OSD's large-omap warning. 0: shards never split.
  uint64_t split_entries = 100000;
  // A split recorded longer ago than this is a dead gateway's: the next gateway that
  // meets the shard finishes it.
  int64_t split_timeout_ms = 30 * 1000;
  // Tests only: the step after which a split stops as if its gateway died ("copied",
  // "mapped", "regen", "trimmed"); empty: none.
  std::string split_failpoint;
  // For `silt admin rados init` only: the CRUSH failure domain of the EC profiles it
  // makes (a single-host test cluster needs "osd") and each new pool's PG count.
  std::string failure_domain = "host";
  int pg_num = 32;
  std::vector<RadosPoolConfig> pools;
  // Storage class -> pool name; STANDARD must be mapped.
  std::vector<std::pair<std::string, std::string>> storage_classes;
};

// The test cluster's pools (scripts/ceph_cluster_admin.py): index silt.meta, pool
// "standard" on silt.std for STANDARD and the other classes served at once, pool "cold"
// on silt.cold with gateway zstd level 3 (as the drives' default cold pool) for the
// infrequent-access classes.
inline RadosConfig default_rados_config(std::string ceph_conf) {
  RadosConfig c;
  c.ceph_conf = std::move(ceph_conf);
  c.pools = {{"standard", "silt.std", 0, 20.0, 2, 1, "silt-isa-2-1"},
             {"cold", "silt.cold", 3, 20.0, 2, 1, "silt-isa-2-1"}};
  c.failure_domain = "osd";
  c.pg_num = 8;
  c.storage_classes = {{"STANDARD", "standard"},
                       {"STANDARD_IA", "cold"},
                       {"GLACIER_IR", "cold"},
                       {"ONEZONE_IA", "cold"},
                       {"REDUCED_REDUNDANCY", "standard"},
                       {"INTELLIGENT_TIERING", "standard"}};
  return c;
}

// Connects, checks every pool exists (the index pool replicated), creates the root
// object when missing, starts the GC thread. Defined only in builds with librados.
s3::Result<std::unique_ptr<ObjectLayer>> open_rados_object_layer(const RadosConfig& cfg);

}  // namespace silt
