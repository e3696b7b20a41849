// Replacing a data dir's meta.json on the drives that hold it: metadata and
// tag updates, a completed multipart object's record in its first part's dir,
// and a commit that had to pick another version key than the one published.
#pragma once

#include <string>
#include <vector>

#include "erasure/erasure_set.h"
#include "index/object_record.h"

namespace silt {

// Atomically replaces meta.json of data dir data_id on every drive of pool that
// `dist` names (tmp file, fsync, rename, fsync dir), in parallel. Drives without
// the dir are skipped. Returns how many drives now hold json.
int replace_drive_meta(const Pool& pool, const std::string& data_id, const std::vector<int>& dist,
                       const std::string& json);

// The record's own meta.json (a single PUT's data dir, or a multipart object's
// first part's dir). Best effort: the index is the authority. Returns the
// number of drives updated (0 for delete markers and unknown pools).
int rewrite_drive_meta(ErasureSet& set, const ObjectRecord& rec);

}  // namespace silt
