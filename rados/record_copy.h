// A copy of each version's record on its data (issue 17 item 2, design memo §4.9): the
// xattr "silt.record" of the version's first data object (<primary data id>.0, in its
// pool) holds the record as the index has it (encode_object_record), written again
// after every commit that changes the record (PUT, Complete, metadata, tags, ACL, Object
// Lock, transition), so the index can be rebuilt from the data pools.
//
// Best effort and asynchronous (no PUT waits for it): the shard stays the authority. A
// copy that failed, or that two gateways changing one version wrote out of order, is
// stale until that version's next change. Versions inlined in the index have no data
// object and no copy.
#pragma once

#include "index/object_record.h"
#include "rados/backend.h"

namespace silt::rados {

inline constexpr const char* kRecordXattr = "silt.record";

// Sends rec (of bucket/key) to its first data object's xattr; returns at once.
void copy_record_to_data(Backend& b, std::string_view bucket, std::string_view key, ObjectRecord rec);

}  // namespace silt::rados
