// Online split of an index shard (docs/cluster.md, "Index shards: split"). When a
// shard's omap passes cfg.split_entries, the keys from its middle O key on move to a
// new shard while other gateways keep committing everywhere else:
//   1. old: state live -> splitting and the split record (xattr "split": JSON of the new
//      shard, its lower bound, the generation both get) in one op asserting live and
//      the generation. Writes assert "not splitting" (rados/shard_map.h), so from here
//      the old shard is frozen; reads go on (it still holds every entry).
//   2. new: created "splitting" with the new generation, the old versioning state and
//      the same split record (a writer that meets it waits, or finishes the split);
//      the upper half copied in batches of <= 1000 entries, each asserting new is still
//      splitting (a late batch of a slow splitter never overwrites a live shard).
//   3. map: compare-and-set to the next generation: old's range shrinks (new
//      generation), new's range added.
//   4. old: generation bumped (asserting the split record): stale maps fail from here.
//   5. old: the moved entries removed in batches.
//   6. new, then old: state live, their split records removed.
// Every step is idempotent given the record, so a gateway that meets a shard splitting
// for longer than cfg.split_timeout_ms finishes the split (finish_split) whatever step
// its splitter died after; two finishers at once only repeat steps.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "rados/backend.h"

namespace silt::rados {

inline constexpr const char* kSplitXattr = "split";

// After `commits` commits to shard s of bucket: every so many, asks the gateway's upkeep
// worker (b.upkeep, rados/upkeep.h) to count s's entries and split it when it has
// cfg.split_entries or more; the caller never waits for that. Failures are logged there,
// never returned: the commit is done either way.
void note_commit(Backend& b, std::string_view bucket, const ShardRef& s, uint64_t commits = 1);

// Splits s (of bucket) now if it has two or more keys and is live under generation
// s.gen. Returns whether this call split it.
s3::Result<bool> split_shard(Backend& b, std::string_view bucket, const ShardRef& s);

// Completes the split recorded (split_record, the xattr's bytes) on old_oid.
s3::Status finish_split(Backend& b, const std::string& old_oid, const std::string& split_record);

// For a writer that met shard oid not live (split_record: its split record, "" when
// it is closing): waits until a split ends, finishing it when it is older than the
// timeout; otherwise backs off. The caller re-reads (its map is stale by then).
void await_live(Backend& b, std::string_view bucket, const std::string& oid, const std::string& split_record,
                int attempt);

// For a reader or writer that found shard oid not what its map says (another
// generation): waits out a split in progress (await_live), else backs off; the map is
// forgotten either way, so the caller's next attempt reads it again.
void settle(Backend& b, std::string_view bucket, const std::string& oid, int attempt);

// Entries of shard oid (every kind), counted a page of 1000 names at a time.
s3::Result<uint64_t> count_entries(Backend& b, const std::string& oid);

}  // namespace silt::rados
