// Multipart uploads in a bucket's index shard (design memo §4.4; rados/backend.h has
// the U and P entries). An upload's U entry carries its state:
//   open        parts may be committed (each part commit asserts U is unchanged);
//   completing  a Complete froze the parts (a part commit now fails); it commits the
//               object next, or gives the upload back (open) when the list is refused;
//   aborting /  the upload is gone for clients; its P entries are being removed in
//   completed   batches (≤ 1024 omap keys per op), then U.
// Freezing first is what makes Complete and Abort exact against parts racing them on
// other gateways: once U leaves `open`, the set of P entries can no longer change.
// Complete copies no data: the object's record lists the parts' data ids. Parts the
// list leaves out, parts replaced by a re-upload and every part of an aborted upload
// are queued as G entries in the same op that drops them.
//
// A crash leaves at most one upload in a transient state: completing (visible, a
// repeated Complete continues, Abort is allowed), aborting/completed (invisible; the
// next Abort, Complete or DeleteBucket of it finishes the removal). Each transient
// state records since when (state_ms); sweep_uploads, in every GC pass, finishes what
// is older than the write-intent timeout.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "index/upload_record.h"
#include "rados/backend.h"

namespace silt::rados {

// NoSuchBucket.
s3::Result<UploadInfo> create_upload(Backend& b, std::string_view bucket, std::string_view key, const ObjectMeta& meta,
                                     int64_t now_ms);
// Upload u as another silt recorded it (same upload id, initiation time and meta), open
// in its key's shard, unless an upload of that id is there already (in any state): a
// migration's copy (rados/import_uploads.h). NoSuchBucket.
s3::Status adopt_upload(Backend& b, const UploadInfo& u);
// An upload in progress (open or completing); NoSuchUpload otherwise, NoSuchBucket.
s3::Result<UploadInfo> get_upload(Backend& b, std::string_view bucket, std::string_view key,
                                  std::string_view upload_id);
// Records an uploaded part whose data is stored (replacing the same number, whose data
// is queued for GC) and drops its write intent, in one op asserting the upload is
// open. NoSuchUpload when it is not (any more).
// intent_raw: the part writer's intent as it wrote it ("" when it wrote none, a zero-byte
// part); asserted unchanged (intent_lost when the sweeper took it).
s3::Status commit_part(Backend& b, const UploadedPart& part, const std::string& intent_raw);
// Parts after after_part, at most max_parts, ascending; truncated/next_marker as S3.
s3::Result<PartList> list_parts(Backend& b, std::string_view bucket, std::string_view key, std::string_view upload_id,
                                int after_part, int max_parts);
// The committed object (index/multipart_record.h decides it from the parts listed).
s3::Result<ObjectInfo> complete_upload(Backend& b, std::string_view bucket, std::string_view key,
                                       std::string_view upload_id, const std::vector<CompletedPart>& named,
                                       const WriteConditions& cond, const CompleteClaims& claims = {});
s3::Status abort_upload(Backend& b, std::string_view bucket, std::string_view key, std::string_view upload_id);

// DeleteBucket, once the bucket's record is gone: removes the data of every part in
// the shard (no commit can reach it any more). Entries go with the shard.
s3::Status drop_all_parts(Backend& b, const std::string& shard);

// The upload sweeper (GC pass): every upload of the shard in a transient state for
// longer than intent_timeout_ms: aborting and completed ones are finished (their parts'
// entries removed, data queued for GC as an Abort or Complete would); a completing one
// is opened again (its Complete's client got no answer and its part list is not kept:
// the client retries the Complete or aborts, as after a failed Complete on S3). A
// transient upload without state_ms (written before the sweeper) gets one now. Returns
// the uploads acted on.
s3::Result<uint64_t> sweep_uploads(Backend& b, std::string_view bucket, const std::string& shard, int64_t now_ms);

// Upload values: the upload JSON with its state ("open", "completing", ...).
std::string upload_state(std::string_view value);

}  // namespace silt::rados
