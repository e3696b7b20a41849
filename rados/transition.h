// Storage class transitions on RADOS (ObjectLayer::transition_object, design memo §4.6):
// a version's data is copied into the target class's pool (gateway zstd frames when
// that pool compresses, rados/frames.h), then one guarded op on the shard flips the
// record to the copy, only if the version still has the data it was copied from; the
// old data goes to GC in that op. An overwrite or delete racing the copy wins: the copy
// and its write intents are removed and the caller hears NoSuchKey.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/error.h"
#include "rados/backend.h"

namespace silt::rados {

// Moves the version (version_id empty: the latest) of bucket/key to storage_class, whose
// pool is `to`. Returns the object bytes copied: 0 when it is already there, or when
// only its label changes (same pool, or data inlined in the index). before_chunk is
// called with each stripe's size before it is copied (the lifecycle's rate limit).
s3::Result<uint64_t> transition_version(Backend& b, std::string_view bucket, std::string_view key,
                                        std::string_view version_id, std::string_view storage_class, DataPool& to,
                                        const std::function<void(uint64_t)>& before_chunk);

}  // namespace silt::rados
