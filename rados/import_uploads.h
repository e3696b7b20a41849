// Writing multipart uploads in progress into the cluster as another silt recorded them
// (issue 18 item 2, `silt admin migrate`, cmd/migrate.h): each upload keeps its upload
// id, initiation time and what CreateMultipartUpload recorded (its U entry, open), each
// part its number, ETag, size, Last-Modified and checksums (its data in the upload's
// pool, its P entry), so a client goes on with the same upload id on a gateway:
// ListParts, UploadPart of the rest, CompleteMultipartUpload with the ETag the source
// would have given. Not an S3 path: CreateMultipartUpload would mint a new id and date.
//
// import_upload is idempotent: run again (a migration's second pass), it copies only
// the parts that are new or changed (re-uploaded) since; a part already there as given
// is left alone, so none is duplicated.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "rados/backend.h"
#include "rados/import.h"

namespace silt::rados {

// Sends every stored byte of part p of the upload being imported to sink, in order.
using PartSource = std::function<s3::Status(const PartInfo& p, const ByteSink& sink)>;

struct UploadImportStats {
  uint64_t uploads = 0;     // uploads added
  uint64_t parts = 0;       // parts whose data was copied
  uint64_t parts_same = 0;  // parts already there as given
  uint64_t bytes = 0;       // part bytes copied
};

// Makes upload u (u.bucket, u.key, u.upload_id) open in the cluster with `parts` (the
// source's, ascending), each copied through data unless the cluster holds it with the
// same ETag, size, Last-Modified and checksums. A part the cluster holds that `parts`
// lacks stays (a silt never drops one part of an open upload). NoSuchBucket;
// InvalidStorageClass when the upload's class is not mapped here; InternalError when a
// part's bytes do not hash to its ETag or size (re-uploaded on the source meanwhile: run
// again); NoSuchUpload when a gateway completed or aborted it meanwhile.
s3::Status import_upload(Backend& b, const UploadInfo& u, const std::vector<PartInfo>& parts, const PartSource& data,
                         UploadImportStats& stats);

}  // namespace silt::rados
