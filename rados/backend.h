// What every part of the RADOS backend shares (docs/cluster.md, "Layout"): the
// connection, the index pool, the data pools, the storage-class table, and the
// names of the objects and omap entries silt keeps there.
//
// Index pool (replicated), all in the configured namespace:
//   silt.root            omap  B<bucket> -> bucket record (JSON: id, created, versioning, owner)
//                              C<bucket>\0<name> -> bucket config document, as given
//   silt.b.<id>.map      the bucket's shard map (rados/shard_map.h); absent until its first split
//   silt.b.<id>.s.<n>    one index shard (s.0 the first): the keys of one range of the map.
//                        xattrs "state": "live" | "splitting" | "closing", "gen", "versioning",
//                        and in packed buckets "lepoch", "lfolded" (rados/list_epochs.h).
//                        omap  O<key> -> latest version (listing header + object record JSON)
//                              V<ekey>\0\1<vkey> -> every version (same value)
//                              U<ekey>\0\1<upload id> -> multipart upload (upload JSON + "state")
//                              P<ekey>\0\1<upload id><5-digit part> -> uploaded part (part JSON)
//                              D<data id> -> the bytes of an inlined object
//                              I<data id> -> write intent (JSON: pool, started_ms)
//                              G<16 hex ms><data id> -> data to remove after the grace period
// Data pools (EC): <data id>.<n>, the n-th stripe_bytes of a version's data (one zstd
// frame when the pool compresses and that is smaller, rados/frames.h), written once
// with write_full and never changed.
// Every entry of one object key is in one shard object (rados/shard_map.h), so every S3
// mutation is one atomic ObjectWriteOperation guarded by omap_cmp/cmpxattr.
// Omap values are never empty: an absent entry compares equal to "" in omap_cmp.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/object_record.h"
#include "rados/commit_batch.h"
#include "rados/connection.h"
#include "rados/list_epochs.h"
#include "rados/rados_config.h"
#include "rados/shard_map.h"
#include "rados/upkeep.h"

namespace silt::rados {

inline constexpr const char* kRootObject = "silt.root";
inline constexpr const char* kStateXattr = "state";
inline constexpr std::string_view kLive = "live";
inline constexpr std::string_view kClosing = "closing";

std::string shard_oid(std::string_view bucket_id);
std::string bucket_entry(std::string_view bucket);
std::string config_entry(std::string_view bucket, std::string_view name);
std::string config_scope(std::string_view bucket);  // "C<bucket>\0"
std::string object_entry(std::string_view key);
std::string version_entry(std::string_view key, std::string_view vkey);
std::string upload_entry(std::string_view key, std::string_view upload_id);
std::string upload_scope(std::string_view key_prefix);  // "U<escaped prefix>"
std::string part_entry(std::string_view key, std::string_view upload_id, int number);
std::string parts_scope(std::string_view key, std::string_view upload_id);
std::string inline_entry(std::string_view data_id);
std::string intent_entry(std::string_view data_id);
std::string gc_entry(int64_t due_ms, std::string_view data_id);
std::string data_oid(std::string_view data_id, uint64_t n);
std::string random_id();  // 32 lowercase hex from the kernel CSPRNG

// Compare-and-set retries: an op that fails its assertion (-ECANCELED) re-reads and
// tries again, at most this often, backing off a little more each time.
inline constexpr int kMaxAttempts = 64;
void backoff(int attempt);
// What a caller gets when every attempt lost the race: 503 SlowDown, clients retry.
s3::Error contention(std::string_view what);
// What a writer gets when its write intent was swept (rados/gc.h) before it committed:
// 500, clients retry.
s3::Error intent_lost();

struct DataPool {
  RadosPoolConfig cfg;
  librados::IoCtx io;
  PoolProfile profile;
};

// Records of the RADOS backend keep a single PUT's data either in layout.pool's RADOS
// objects or, with layout.pool empty, inline in the shard's D<data id> entry.
inline bool is_inline(const ObjectRecord& rec) {
  return rec.layout.pool.empty();
}
// The record format (index/object_record.h) wants one drive per EC shard; on RADOS the
// OSDs place the shards, so records carry the identity 0..n-1, which means nothing.
inline std::vector<int> identity_distribution(int n) {
  std::vector<int> d(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) d[static_cast<size_t>(i)] = i;
  return d;
}
// Number of RADOS data objects a version of `size` bytes takes at `stripe` bytes each.
inline uint64_t object_count(uint64_t size, uint32_t stripe) {
  return stripe ? (size + stripe - 1) / stripe : 0;
}

struct Backend {
  RadosConfig cfg;
  std::unique_ptr<Connection> conn;
  librados::IoCtx index;
  std::vector<std::unique_ptr<DataPool>> pools;
  std::vector<std::pair<std::string, DataPool*>> classes;

  DataPool* pool(std::string_view name) const;
  DataPool* pool_for_class(std::string_view storage_class) const;

  // The one answer to "which shard": bucket name -> its shard map (cached), and the
  // shard of one key. A cached map may be stale: a deleted bucket's shards are gone
  // (ENOENT) and a split shard's generation changed (rados/shard_map.h); the caller
  // then forgets it (forget_bucket) and looks again.
  s3::Result<std::shared_ptr<const ShardMap>> shard_map(std::string_view bucket);
  s3::Result<ShardRef> shard_for(std::string_view bucket, std::string_view key);
  void forget_bucket(std::string_view bucket);

  // Commits per shard object since this gateway last counted its entries (rados/split.h).
  std::mutex split_mu;
  std::map<std::string, uint64_t, std::less<>> commits_since_count;
  // Commits per shard object of a packed bucket since this gateway last compacted it
  // (rados/list_pack.h); under split_mu.
  std::map<std::string, uint64_t, std::less<>> commits_since_compact;

  // Adds commits to counters[oid] (one of the two maps above, under split_mu). True when
  // that reaches `every`: the count restarts and the caller signals its upkeep job.
  bool count_commits(std::map<std::string, uint64_t, std::less<>>& counters, const std::string& oid, uint64_t commits,
                     uint64_t every);
  // The upkeep worker refused that signal: counters[oid] just below `every` again, so the
  // next commit signals again (a dropped signal costs a delay, never the job).
  void uncount_commits(std::map<std::string, uint64_t, std::less<>>& counters, const std::string& oid, uint64_t every);

  // What shard object oid last showed this gateway of the xattrs commits assert: its
  // versioning state ("" when absent) and listing epochs. So a PUT of a new key can commit
  // without reading first (commit_object), and a page asserts the epochs it reads
  // (rados/list_pack.h). Only a hint: a wrong one costs that attempt. nullopt: never seen.
  struct ShardHint {
    std::string versioning_raw;
    ListEpochs list;
  };
  std::optional<ShardHint> shard_hint(std::string_view oid);
  // Records it. At most kMaxHints shards are remembered: past that all are forgotten
  // and each is relearnt by one read (simpler than an LRU, and as rare as 4096 shards).
  void note_shard(std::string_view oid, const ShardHint& hint);
  static constexpr size_t kMaxHints = 4096;
  // Concurrent commits of new keys to one shard share an op (rados/commit_batch.h).
  CommitBatcher batcher;

  // Tests only: called with the name of a step a request has reached, so a test can run
  // a racing request exactly there, every time (rados/uploads.cpp names its steps).
  // Empty: none.
  std::function<void(std::string_view step)> test_step;

 private:
  std::mutex cache_mu_;
  std::map<std::string, std::shared_ptr<const ShardMap>, std::less<>> maps_;
  std::mutex hint_mu_;
  std::map<std::string, ShardHint, std::less<>> hints_;

 public:
  // Compactions and split checks that commits made due (rados/upkeep.h). Last, so it is
  // destroyed first: its jobs use everything above.
  UpkeepWorker upkeep;
};

}  // namespace silt::rados
