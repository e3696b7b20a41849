// Gives back the space of dead segment entries (docs/format.md, "Reclaiming"):
// deleted and replaced small objects, shards a heal or compaction moved, and
// what a crash left behind. Runs on the healer's thread only, so it never races
// a heal or another reclaim; it races PUTs, deletes and overwrites, which win.
//  - Counts, from one walk of the index, the live bytes each segment holds.
//  - A sealed segment (not the one appends go to) with less than
//    compact_below of its bytes live is compacted: its live shards are appended
//    afresh, with the index's current record, to the drive's open segment, the
//    index commits each new place while the old one is still named
//    (Index::move_segments_if), and then the old file is removed. A segment with
//    nothing live is simply removed. Dead entries that still hide an object from
//    rebuild-index (some other segment holds entries of its data id) and the
//    newest record of a live data id are carried over too.
//  - A segment the scan cannot read to the end of what the index names in it,
//    holding an entry whose record copy is unreadable (live or not is unknown),
//    or holding shards whose index commit is still to come, is left alone.
//  - sweep_tails (the first pass after start): a sealed segment whose last entry
//    is torn (a crash cut its write short) and which holds nothing live past the
//    tear is truncated to its good length.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "erasure/erasure_set.h"

namespace silt {

struct ReclaimOptions {
  double compact_below = 0.5;  // share of live bytes under which a sealed segment is compacted
  bool sweep_tails = false;
};

struct ReclaimReport {
  uint64_t segments_sealed = 0;   // looked at (all drives)
  uint64_t segments_removed = 0;  // compacted or found empty
  uint64_t entries_moved = 0;     // live shards given a new place
  uint64_t tails_truncated = 0;
  uint64_t segments_kept = 0;  // candidates left alone (pending commits, unreadable, a failed move)
  uint64_t bytes_freed = 0;    // file bytes removed or cut off
};

// One pass over every usable drive of the set.
s3::Result<ReclaimReport> reclaim_segments(ErasureSet& set, const ReclaimOptions& opt = {});

}  // namespace silt
