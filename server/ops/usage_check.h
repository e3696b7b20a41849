// Usage by the index against the pools' own figures (RADOS backend; docs/cluster.md, "Usage
// against the pools"): for each data pool, the bytes the index says silt keeps in it beside
// the bytes the cluster says the pool stores (`ceph df`'s STORED, known only while a ceph-mgr
// answers), and whether the difference is beyond what Ceph's own accounting explains.
//
// Like with like: the index records each version's stored bytes with the EC overhead
// (k+m)/k on top of what the gateway wrote (after its zstd), so the bytes it expects in the
// pool are the classes' stored bytes times k/(k+m), less the inlined versions (their data
// is in the index pool). STORED is counted before replication, EC and BlueStore compression,
// but after Ceph pads each object's data to a whole EC stripe. So the pool's STORED is at
// least what the index expects and at most that plus, per RADOS object in the pool, one
// stripe of padding and one byte of rounding (the tolerance). Beside the versions, the pool
// rightly holds data awaiting GC and parts of uploads in progress: when the backend reports
// them (object/pending_data.h) they are added to what silt accounts for, so normal
// operation agrees. More still: writes in flight, another deployment in the pool, orphans.
// Less: index entries whose data is gone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "lifecycle/usage.h"
#include "object/cluster_status.h"
#include "object/pending_data.h"

namespace silt::server {

enum class UsageVerdict {
  Unavailable,    // no pool statistics: no mgr, or the monitors do not answer
  Agrees,         // within the tolerance
  PoolHoldsMore,  // the pool stores more than silt accounts for, beyond the tolerance
  PoolHoldsLess,  // the pool stores less than silt accounts for
  // More than silt accounts for, but GC entries of older gateways (or parts of compressed
  // uploads) whose bytes are not recorded may explain it: neither agrees nor flagged.
  Unknown,
};
// "unavailable", "agrees", "pool_holds_more", "pool_holds_less", "unknown"
std::string_view usage_verdict_name(UsageVerdict v);

struct PoolUsageCheck {
  std::string pool;  // the RADOS pool
  std::vector<std::string> silt_pools;
  std::vector<std::string> storage_classes;
  std::vector<lifecycle::ClassUsage> classes;  // the index's figures of each class stored here
  // Sums of classes.
  uint64_t index_objects = 0;
  uint64_t index_logical_bytes = 0;
  uint64_t index_stored_bytes = 0;  // raw: EC overhead and the gateway's zstd included
  uint64_t inline_objects = 0;      // of index_objects, kept in the index pool
  uint64_t inline_bytes = 0;
  // What the index says the pool stores, comparable with pool_stored_bytes: the non-inline
  // stored bytes times k/(k+m).
  uint64_t index_pool_bytes = 0;
  double ec_overhead = 1.0;        // (k+m)/k
  int zstd_level = 0;              // the gateway's, of the first silt pool here; 0: none
  double compression_ratio = 1.0;  // logical ÷ stored before EC (inline versions excepted)
  // What the pool holds beside the versions, summed over its silt pools (pool: the RADOS
  // pool); nullopt when the backend could not tell (pending_error says why): then only the
  // index is compared, as before the figures existed.
  std::optional<PendingPoolData> pending;
  std::string pending_error;
  // What silt accounts for in the pool: index_pool_bytes plus the pending GC and upload
  // part bytes that are known.
  uint64_t accounted_bytes = 0;
  // From the cluster (nullopt: unavailable).
  std::optional<uint64_t> pool_stored_bytes;  // STORED: before replication/EC and compression
  std::optional<uint64_t> pool_used_bytes;    // USED: raw, on the OSDs
  std::optional<uint64_t> pool_objects;
  std::optional<int64_t> difference_bytes;  // pool_stored_bytes - accounted_bytes
  std::optional<uint64_t> tolerance_bytes;  // pool_objects * (stripe_width + 1)
  UsageVerdict verdict = UsageVerdict::Unavailable;
  std::string note;  // why unavailable, or what a difference may mean; empty when it agrees
  bool flagged() const { return verdict == UsageVerdict::PoolHoldsMore || verdict == UsageVerdict::PoolHoldsLess; }
};

// One check per data pool of state (the index pool is not checked: it holds the index
// itself). classes: the index's usage, any number of entries per class (e.g. one per
// bucket); each is counted in the RADOS pool that holds its silt pool. pools: the
// configured silt pools (their zstd level). pending: the data awaiting GC and the open
// uploads' parts (ClusterStatus::pending_data, measured beside classes), or its error.
std::vector<PoolUsageCheck> check_pool_usage(const ClusterState& state, const std::vector<PoolInfo>& pools,
                                             const std::vector<lifecycle::ClassUsage>& classes,
                                             const s3::Result<PendingData>& pending);

// Every class of every bucket, in one list for check_pool_usage.
std::vector<lifecycle::ClassUsage> all_classes(const std::vector<lifecycle::BucketUsage>& usage);

}  // namespace silt::server
