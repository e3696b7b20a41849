// Removal of replaced data (design memo §4.8). A commit that replaces or deletes a
// version with data in a RADOS pool queues it, in the same atomic op, as a G entry of
// its shard, due after the grace period (readers that opened the old version finish
// first). A GC pass removes the data objects of due entries, then the entries: a
// crash in between only repeats the removal. No data is ever leaked by a commit.
//
// Write intents (I entries) older than cfg.intent_timeout_ms are a dead writer's (a
// gateway killed mid-PUT): the same pass turns each into a G entry due at once, in one
// op guarded by the intent as read. Writers assert their intent in their commit, so a
// writer that was only stalled fails its commit (intent_lost) rather than committing
// data that is being removed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/object_record.h"
#include "rados/backend.h"

namespace silt::rados {

// The G entries (name, value) that queue rec's data for removal at due_ms: one per
// data id (a multipart version: one per part); none when rec has no data in a pool
// (inlined or a delete marker).
std::vector<std::pair<std::string, std::string>> gc_items(const ObjectRecord& rec, int64_t due_ms);
// The G entry of one stretch of data written with layout (its pool, stripe, EC profile and
// compression): `size` bytes of data_id in layout.block_size-byte objects, of which the
// record says `stored` (EC overhead included, as writers record it; 0: not recorded).
std::pair<std::string, std::string> gc_data_item(const ObjectLayout& layout, std::string_view data_id, uint64_t size,
                                                 uint64_t stored, int64_t due_ms);

// The G entry of `objects` data objects of data_id in pool holding `bytes` (what the writer
// wrote, as `ceph df` counts it; nullopt: unknown, left out of the value).
std::pair<std::string, std::string> gc_objects_item(std::string_view pool, std::string_view data_id, uint64_t objects,
                                                    std::optional<uint64_t> bytes, int64_t due_ms);

// The bytes a stretch of data written with layout holds in its pool, from its record: its
// stored bytes without the EC overhead, or its size when the pool does not compress;
// nullopt when neither tells (a compressed stretch whose record keeps no stored size).
std::optional<uint64_t> pool_bytes(const ObjectLayout& layout, uint64_t size, uint64_t stored);

// A G value as gc_objects_item writes it (and as older gateways did, without bytes).
struct GcValue {
  std::string pool;
  uint64_t objects = 0;
  std::optional<uint64_t> bytes;  // nullopt: an entry of an older gateway
};
// nullopt when value is not a G value (GC keeps such an entry's name and drops it).
std::optional<GcValue> parse_gc_value(std::string_view value);

// Turns the intents of shard older than the timeout at now_ms into G entries due now_ms.
// Returns how many.
s3::Result<uint64_t> sweep_intents(Backend& b, const std::string& shard, int64_t now_ms);
// Removes the data of every entry of shard due by now_ms. Returns how many were done.
s3::Result<uint64_t> gc_shard(Backend& b, const std::string& shard, int64_t now_ms);
// Every entry, due or not: the bucket is gone and its shard is about to be removed.
s3::Status drain_gc(Backend& b, const std::string& shard);
// One pass over every shard of every bucket (the GC thread): stale intents swept, due entries done.
s3::Result<uint64_t> gc_pass(Backend& b, int64_t now_ms);

// Removes data objects <data_id>.0 .. <data_id>.<count-1> of pool (absent ones too).
s3::Status remove_data(DataPool& pool, const std::string& data_id, uint64_t count);

}  // namespace silt::rados
