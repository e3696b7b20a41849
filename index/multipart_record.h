// The record of the object a CompleteMultipartUpload makes (docs/format.md), decided
// from the upload, the parts the client listed and the parts stored: the same rules
// (and answers) on every backend. AWS's errors: InvalidPartOrder, InvalidPart (a part
// not uploaded, another ETag or checksum), EntityTooSmall (a part but the last under
// 5 MiB). The ETag is hex(md5(the parts' binary MD5s))-N; object checksums are the
// composites of the parts' (or FULL_OBJECT CRCs when the upload asked for them).
// The client's claims on Complete are checked against that record, as AWS checks them:
// x-amz-checksum-<algo> not of the object's checksums: InvalidRequest; another value:
// BadDigest; x-amz-checksum-type not the upload's: BadDigest; x-amz-mp-object-size not
// the parts' total: InvalidRequest. A refused Complete leaves the upload open.
#pragma once

#include <cstdint>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "index/object_record.h"
#include "index/upload_record.h"

namespace silt {

// named must not be empty (callers answer MalformedXML first). The record has no
// version key yet; layout.data_id is empty and parts name each part's data id.
s3::Result<ObjectRecord> assemble_multipart(const UploadInfo& upload, const std::vector<CompletedPart>& named,
                                            const std::vector<UploadedPart>& stored, int64_t now_ms,
                                            const CompleteClaims& claims = {});

}  // namespace silt
