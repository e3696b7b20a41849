// Rebuilding a bucket index from the record copies on the data (issue 17 item 2,
// rados/record_copy.h): every data pool of the config is walked (in the configured
// namespace), the "silt.record" xattr of each "<data id>.0" read, and the O and V entries
// the shards miss are restored. The index stays the authority: an entry that exists is
// never replaced, buckets missing from silt.root are reported and not recreated, a
// version whose data objects are incomplete or whose data waits in a shard's GC queue
// (replaced or deleted) is skipped. Inlined versions and delete markers have no data
// object, hence no copy, and cannot come back this way.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/error.h"
#include "rados/backend.h"

namespace silt::rados {

struct RebuildReport {
  uint64_t objects = 0;               // "*.0" data objects looked at
  uint64_t records = 0;               // of them with a readable record copy (of the chosen buckets)
  uint64_t restored = 0;              // versions whose V entry was written now
  uint64_t present = 0;               // versions whose V entry was there already
  uint64_t latest_restored = 0;       // O entries written now
  uint64_t skipped_missing_data = 0;  // a data object of the version is gone
  uint64_t skipped_gc = 0;            // the data waits in a GC queue: replaced or deleted
  uint64_t skipped_unreadable = 0;    // an xattr that does not decode
  uint64_t skipped_no_bucket = 0;     // records of buckets silt.root does not have
  std::set<std::string> missing_buckets;
};

// Restores what the data pools of b hold for every bucket of silt.root, or only for
// `only_bucket` when it is not empty. Idempotent: a second run restores nothing. Safe
// beside running gateways (each write asserts the shard and that its entries are still
// absent), though a version deleted while the walk runs may come back.
s3::Result<RebuildReport> rebuild_from_data(Backend& b, std::string_view only_bucket);

}  // namespace silt::rados
