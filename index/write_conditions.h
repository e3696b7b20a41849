// The write conditions of PutObject and CompleteMultipartUpload (If-None-Match: *,
// If-Match, the 409 of a key deleted mid-write), judged against the record that is
// current when the commit happens. One function so every backend answers alike:
// the LevelDB index under its key lock, RADOS inside its compare-and-set retry loop.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/object_model.h"
#include "index/object_record.h"

namespace silt {

// An ETag as a client sends it: quotes dropped, hex lowercased.
std::string normalize_etag(std::string_view s);

// cur: the key's latest version (a delete marker counts as absent), nullopt when none.
// Ok, or PreconditionFailed (412), NoSuchKey (If-Match on a missing key, as S3 answers),
// ConditionalRequestConflict (409: cond.existed_at_start but the key is gone now).
s3::Status check_write_conditions(const std::optional<ObjectRecord>& cur, const WriteConditions& cond);

}  // namespace silt
