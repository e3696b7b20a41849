// The conditions a client puts on a write or a delete, decided against the key's
// current record. Every backend calls these inside its atomic commit (the erasure
// backend under the key lock, in the same LevelDB batch as the write), so a check and
// the write it guards cannot be separated by another writer. Pure functions: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/object_model.h"
#include "index/object_record.h"

namespace silt {

// An ETag as a client sends it: quotes dropped, hex lower-cased.
std::string normalize_etag(std::string_view s);

// PutObject / CopyObject / CompleteMultipartUpload (WriteConditions) against cur, the
// key's newest record (nullopt: none; a delete marker counts as none):
// ConditionalRequestConflict (409) when existed_at_start and the key is gone now;
// PreconditionFailed (412) for If-None-Match: * on a live key or an If-Match ETag that
// differs; NoSuchKey (404) for If-Match on a key without a live version.
s3::Status check_write_conditions(const std::optional<ObjectRecord>& cur, const WriteConditions& cond);

// DeleteObject / DeleteObjects (DeleteConditions) against cur, the key's newest record:
// with no live version, NoSuchKey (404) when if_match is set and success otherwise (the
// delete proceeds as an unconditional one would); with one, PreconditionFailed (412)
// unless every condition set holds.
s3::Status check_delete_conditions(const std::optional<ObjectRecord>& cur, const DeleteConditions& cond);

// Object Lock: may rec, a stored version, be removed for good now (DeleteObject with its
// versionId, lifecycle, a null version replaced in place)? AccessDenied while it has a
// legal hold, a COMPLIANCE retention not yet past, or a GOVERNANCE one not yet past and
// no bypass. Nobody is exempt: the caller's identity never reaches this.
s3::Status check_version_removable(const ObjectRecord& rec, int64_t now_ms, bool bypass_governance);

// Object Lock: cur's lock after change, as AWS allows it: a legal hold may always be
// set or lifted; an unexpired COMPLIANCE retention may only be kept or extended
// (COMPLIANCE, a date not earlier); an unexpired GOVERNANCE one may be extended or made
// COMPLIANCE, and shortened, removed or otherwise changed only with bypass_governance.
// AccessDenied otherwise.
s3::Result<ObjectLock> apply_lock_change(const ObjectLock& cur, const LockChange& change, int64_t now_ms);

}  // namespace silt
