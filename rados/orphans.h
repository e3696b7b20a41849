// The orphan check (issue 18 item 3, design memo §4.8): data objects in the data pools
// that no index entry names, and write intents older than the intent timeout.
//
// Every data object silt writes is named by an index entry from before it exists until
// after it is gone: a write intent (I) is set before the first stripe, the commit swaps
// it for the version (O/V) or part (P) in one op, a replaced version's data is queued
// (G) in the op that replaces it, and GC removes the data before the entry. So, on a
// healthy cluster, an unnamed data object is a leak (a bucket deleted halfway, a bug, an
// object written by hand), and an intent older than the timeout is a dead writer's
// that no GC pass has swept yet (no gateway running with GC on).
//
// How it stays bounded and exact beside running gateways: the index pool's shard
// objects are walked once and the data ids they name kept as 16-byte values (32 hex
// digits; ~16 MiB per million names, whatever the pools hold); the data pools are then
// streamed (pgls), each object checked against that set. What is not named — orphans
// and objects written after the walk, so only as many as those — is checked again by a
// second walk of the index and a stat: named then, or removed meanwhile, it is no
// orphan. Shard objects are found by listing the index pool, not through the maps, so a
// shard a split is filling and the shards of a bucket deleted halfway are walked too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "rados/backend.h"

namespace silt::rados {

struct Orphan {
  std::string pool;  // the silt pool (config name)
  std::string oid;   // "<data id>.<n>"
  uint64_t size = 0;
  int64_t age_s = 0;  // since the object's mtime
};

struct StaleIntent {
  std::string shard;  // the index shard object holding the I entry
  std::string key;    // the object key its writer was writing
  std::string data_id;
  std::string pool;
  int64_t age_s = 0;          // since the writer started or last renewed it
  uint64_t data_objects = 0;  // of data_id, in pool, present now
};

struct OrphanReport {
  uint64_t shards = 0;        // index shard objects walked (first walk)
  uint64_t named = 0;         // data ids the index names
  uint64_t data_objects = 0;  // objects looked at in the data pools
  uint64_t foreign = 0;       // objects without silt's "<32 hex>.<n>" name: left alone, not judged
  uint64_t rechecked = 0;     // unnamed at first, looked at again
  std::vector<Orphan> orphans;
  std::vector<StaleIntent> stale_intents;

  bool clean() const { return orphans.empty() && stale_intents.empty(); }
};

// Runs the check on b's index pool and every data pool of its config, in its
// namespace, at now_ms; intents older than b.cfg.intent_timeout_ms are stale. Changes
// nothing. A cluster error (a pool that cannot be listed, a failed read) is an error.
s3::Result<OrphanReport> find_orphans(Backend& b, int64_t now_ms);

}  // namespace silt::rados
