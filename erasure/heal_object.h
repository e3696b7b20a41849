// Checks one object version's shards on every drive and rebuilds the missing or
// damaged ones from the good ones: the healer's and the scrubber's unit of work.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "erasure/erasure_set.h"
#include "index/object_record.h"

namespace silt {

struct HealReport {
  uint64_t shards_checked = 0;
  uint64_t shards_bad = 0;          // missing, damaged, or another shard than expected
  uint64_t shards_repaired = 0;     // written again from the good ones
  uint64_t shards_unavailable = 0;  // on offline drives: left for when they return
  uint64_t bytes_verified = 0;      // shard bytes read and checked (deep)
  uint64_t bytes_written = 0;
  bool lost = false;    // some part has fewer than k good shards: unrecoverable
  bool gone = false;    // the version was deleted or rewritten meanwhile: nothing done
  std::string problem;  // the first problem seen
};

// Delete markers: their meta.json-only data dirs on the first pool's drives.
// deep: read every block and check its CRC32C (a scrub); otherwise only that
// each shard file exists with the right header and meta.json is beside it.
// repair: rebuild the bad shards on their drives; otherwise only report.
// Takes no lock across the work: the new shards are built in tmp/ and moved
// into place only while the index still names this data. Small objects' shards
// are appended to their drives' open segments instead, and the index commits
// their new places only while it still names the old ones (Index::move_segments_if).
s3::Result<HealReport> heal_version(ErasureSet& set, const ObjectRecord& rec, bool deep, bool repair);

}  // namespace silt
