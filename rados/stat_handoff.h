// The record a stat_object just read, handed to the open_object of the same GET, so
// the open does not read the key's shard a second time (docs/cluster.md, "How a change
// stays exact across gateways", GET). Every GET of a RADOS-backed gateway would
// otherwise read the shard twice, and all GETs of one bucket's keys queue on that one
// object's placement group.
//
// Why this keeps every guarantee: the GET's view of the key is still the stat's fresh
// read (nothing here answers a stat). A kept record is found only under the exact
// identity the stat returned (bucket, key, version id, ETag, size, mtime, sealed data
// key), so the open reads the bytes of that very version. Those bytes are immutable and
// stay in the cluster for gc_grace after the commit that replaced the version, which
// came after the stat: a record is kept for at most a quarter of the grace (and not at
// all with no grace), so the data it names is there for the whole open and more. An
// inlined version's D entry goes with its version: its reader still asks the shard.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "index/object_record.h"

namespace silt::rados {

class StatHandoff {
 public:
  // A record as stat_object read it, and the shard object it came from.
  struct Kept {
    ObjectRecord rec;
    std::string shard;
  };

  // gc_grace_ms: the backend's grace period; records are kept for the smaller of a
  // quarter of it and kMaxTtlMs (0: nothing is kept).
  explicit StatHandoff(int64_t gc_grace_ms);

  // Keeps rec, read from shard at now_ms, replacing one kept under the same identity.
  // Records of more parts than kMaxWeight are not kept; when the kept records' parts
  // and entries pass kMaxWeight the oldest go.
  void put(const ObjectRecord& rec, const std::string& shard, int64_t now_ms);

  // The record kept for the version info describes, if it was put less than the TTL
  // before now_ms; null otherwise. It stays kept: concurrent GETs of one version all
  // find it.
  std::shared_ptr<const Kept> find(const ObjectInfo& info, int64_t now_ms);

  static constexpr int64_t kMaxTtlMs = 2000;
  static constexpr size_t kMaxWeight = 16384;  // entries plus their parts

 private:
  struct Entry {
    std::shared_ptr<const Kept> kept;
    int64_t at_ms = 0;
    size_t weight = 0;
  };
  static std::string identity(const ObjectInfo& info);
  // Drops entries older than the TTL, then the oldest until weight fits. Holds mu_.
  void prune(int64_t now_ms, size_t weight);

  const int64_t ttl_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> kept_;
  std::deque<std::pair<int64_t, std::string>> order_;  // (put time, identity), oldest first
  size_t weight_ = 0;
};

}  // namespace silt::rados
