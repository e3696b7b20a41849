// Removal of replaced data (design memo §4.8). A commit that replaces or deletes a
// version with data in a RADOS pool queues it, in the same atomic op, as a G entry of
// its shard, due after the grace period (readers that opened the old version finish
// first). A GC pass removes the data objects of due entries, then the entries: a
// crash in between only repeats the removal. No data is ever leaked by a commit.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "index/object_record.h"
#include "rados/backend.h"

namespace silt::rados {

// The G entry (name, value) that queues rec's data for removal at due_ms; nothing
// (an empty name) when rec has no data in a pool (inlined or a delete marker).
std::pair<std::string, std::string> gc_item(const ObjectRecord& rec, int64_t due_ms);

// Removes the data of every entry of shard due by now_ms. Returns how many were done.
s3::Result<uint64_t> gc_shard(Backend& b, const std::string& shard, int64_t now_ms);
// Every entry, due or not: the bucket is gone and its shard is about to be removed.
s3::Status drain_gc(Backend& b, const std::string& shard);
// One pass over every bucket's shard (the GC thread).
s3::Result<uint64_t> gc_pass(Backend& b, int64_t now_ms);

// Removes data objects <data_id>.0 .. <data_id>.<count-1> of pool (absent ones too).
s3::Status remove_data(DataPool& pool, const std::string& data_id, uint64_t count);

}  // namespace silt::rados
