#include "server/ops/usage_check.h"

#include <map>

namespace silt::server {

std::string_view usage_verdict_name(UsageVerdict v) {
  switch (v) {
    case UsageVerdict::Unavailable: return "unavailable";
    case UsageVerdict::Agrees: return "agrees";
    case UsageVerdict::PoolHoldsMore: return "pool_holds_more";
    case UsageVerdict::PoolHoldsLess: return "pool_holds_less";
    case UsageVerdict::Unknown: return "unknown";
  }
  return "unavailable";
}

std::vector<lifecycle::ClassUsage> all_classes(const std::vector<lifecycle::BucketUsage>& usage) {
  std::vector<lifecycle::ClassUsage> out;
  for (const auto& b : usage) out.insert(out.end(), b.classes.begin(), b.classes.end());
  return out;
}

namespace {

bool names_pool(const std::vector<std::string>& list, const std::string& s) {
  for (const auto& x : list)
    if (x == s) return true;
  return false;
}

// The index's figures of pool cp, summed per class in class order.
void sum_index_usage(PoolUsageCheck& c, const ClusterPool& cp, const std::vector<lifecycle::ClassUsage>& classes) {
  std::map<std::string, lifecycle::ClassUsage> by_class;
  for (const auto& u : classes) {
    if (!names_pool(cp.silt_pools, u.pool)) continue;
    by_class[u.storage_class] += u;
  }
  const uint64_t k = cp.k > 0 ? static_cast<uint64_t>(cp.k) : 1;
  const uint64_t km = k + static_cast<uint64_t>(cp.m > 0 ? cp.m : 0);
  for (auto& [_, t] : by_class) {
    c.index_objects += t.objects;
    c.index_logical_bytes += t.logical_bytes;
    c.index_stored_bytes += t.stored_bytes;
    c.inline_objects += t.inline_objects;
    c.inline_bytes += t.inline_bytes;
    // The writers recorded floor(written * (k+m) / k): this floor is at most what they
    // wrote and less by under one byte per stretch of data.
    const uint64_t in_pool = t.stored_bytes > t.inline_bytes ? t.stored_bytes - t.inline_bytes : 0;
    c.index_pool_bytes += in_pool / km * k + in_pool % km * k / km;
    c.classes.push_back(std::move(t));
  }
}

// The pending figures of the silt pools stored in cp, summed under the RADOS pool's name.
PendingPoolData sum_pending(const ClusterPool& cp, const PendingData& pending) {
  PendingPoolData t;
  t.pool = cp.name;
  for (const auto& p : pending.pools)
    if (names_pool(cp.silt_pools, p.pool)) t.add(p);
  return t;
}

// What may explain a pool holding more than silt accounts for, given what it knows.
std::string more_note(const PoolUsageCheck& c) {
  if (!c.pending)
    return "the pool stores more than the index names (data awaiting GC and parts of uploads in progress are "
           "not known: " +
           c.pending_error +
           "): those, writes in flight, another deployment in the pool, or orphans (silt admin rados orphans)";
  std::string why = "the pool stores more than the index, the data awaiting GC and the open uploads name: ";
  if (c.pending->intents > 0) why += std::to_string(c.pending->intents) + " writes in flight now, ";
  return why + "another deployment in the pool, or orphans (silt admin rados orphans)";
}

// Entries whose bytes are not recorded (GC entries of older gateways, parts of compressed
// uploads without a stored size); empty when there are none.
std::string unknown_note(const PendingPoolData& p) {
  std::string out;
  if (p.gc_unknown_entries > 0)
    out = std::to_string(p.gc_unknown_entries) + " GC entries (" + std::to_string(p.gc_unknown_objects) +
          " objects) written by older gateways do not record their bytes (GC removes them within gc_grace)";
  if (p.part_unknown_entries > 0)
    out += (out.empty() ? "" : "; ") + std::to_string(p.part_unknown_entries) +
           " upload parts do not record their stored bytes";
  return out;
}

}  // namespace

std::vector<PoolUsageCheck> check_pool_usage(const ClusterState& state, const std::vector<PoolInfo>& pools,
                                             const std::vector<lifecycle::ClassUsage>& classes,
                                             const s3::Result<PendingData>& pending) {
  std::vector<PoolUsageCheck> out;
  for (const auto& cp : state.pools) {
    if (cp.index) continue;
    PoolUsageCheck c;
    c.pool = cp.name;
    c.silt_pools = cp.silt_pools;
    c.storage_classes = cp.storage_classes;
    sum_index_usage(c, cp, classes);
    for (const auto& p : pools)
      if (names_pool(cp.silt_pools, p.name) && p.zstd_level && !c.zstd_level) c.zstd_level = p.zstd_level;
    c.ec_overhead = cp.k > 0 ? static_cast<double>(cp.k + cp.m) / cp.k : 1.0;
    const uint64_t logical_in_pool =
        c.index_logical_bytes > c.inline_bytes ? c.index_logical_bytes - c.inline_bytes : 0;
    if (c.index_pool_bytes > 0)
      c.compression_ratio = static_cast<double>(logical_in_pool) / static_cast<double>(c.index_pool_bytes);
    c.accounted_bytes = c.index_pool_bytes;
    if (pending) {
      c.pending = sum_pending(cp, pending.value());
      c.accounted_bytes += c.pending->gc_bytes + c.pending->part_bytes;
    } else {
      c.pending_error = pending.error().message;
    }
    const std::string unknown = c.pending ? unknown_note(*c.pending) : std::string();

    // Figures of an unreachable cluster or of a mgr that is gone are not current: none.
    if (!state.reachable) {
      c.note = "the cluster's monitors do not answer: " + state.error;
    } else if (!state.mgr_available || !cp.stored_bytes || !cp.objects) {
      c.note = "unavailable: the cluster reports pool statistics only while a ceph-mgr runs";
    } else {
      c.pool_stored_bytes = cp.stored_bytes;
      c.pool_used_bytes = cp.used_bytes;
      c.pool_objects = cp.objects;
      c.difference_bytes = static_cast<int64_t>(*cp.stored_bytes) - static_cast<int64_t>(c.accounted_bytes);
      c.tolerance_bytes = *cp.objects * (cp.stripe_width + 1);
      if (*c.difference_bytes < 0) {
        c.verdict = UsageVerdict::PoolHoldsLess;
        c.note =
            "the pool stores less than the index names: data of indexed versions is missing (or the "
            "statistics lag a recent write by a few seconds, or a GC pass removed data whose entries it drops next)";
      } else if (static_cast<uint64_t>(*c.difference_bytes) > *c.tolerance_bytes) {
        // Bytes that are not recorded may be the difference: say so rather than agree or flag.
        c.verdict = unknown.empty() ? UsageVerdict::PoolHoldsMore : UsageVerdict::Unknown;
        c.note = unknown.empty() ? more_note(c) : "unknown: " + unknown + "; " + more_note(c);
      } else {
        c.verdict = UsageVerdict::Agrees;
        c.note = unknown;  // agreeing all the same: the entries hold no data any more, or little
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace silt::server
