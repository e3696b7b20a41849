// What the data pools hold beside the versions the index names (object/pending_data.h),
// for the usage cross-check (docs/cluster.md, "Usage against the pools"): per silt pool,
// the data queued for GC (G entries, with the bytes each records), the parts of uploads
// not completed (P entries) and the writes in flight (I entries).
//
// Cost: one read of every bucket's shard map and, per shard object, a paged read (1000
// entries a page) of its G, P, U and I entries: as many round trips as pages, memory for
// the counters only (plus the free lists of uploads caught between their Complete and the
// removal of their parts, a crash's leftovers). The index's O and V entries are not read.
// An admin operation, never on a request path: the admin usage call and the metrics'
// cached usage walk call it.
#pragma once

#include <string_view>

#include "common/error.h"
#include "object/pending_data.h"
#include "rados/backend.h"

namespace silt::rados {

s3::Result<PendingData> measure_pending(Backend& b);

// One entry's value added to out's figures of the pool it names: a G value (its bytes,
// or unknown without them), an uploaded part's value (P), a write intent's (I). Values
// that do not parse count nowhere. Pure, for the unit tests.
void add_gc_entry(PendingData& out, std::string_view value);
void add_part_entry(PendingData& out, std::string_view value);
void add_intent_entry(PendingData& out, std::string_view value);

}  // namespace silt::rados
