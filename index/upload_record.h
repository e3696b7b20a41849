// Records of multipart uploads in progress: the upload itself (U key) and each
// uploaded part (P key). A part's record is also the meta.json of its data dir
// on every drive, naming bucket, key, upload id and part number, so the drives
// describe themselves (docs/format.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"
#include "index/object_record.h"

namespace silt {

struct UploadedPart {
  std::string bucket;
  std::string key;
  std::string upload_id;
  PartInfo info;        // number, size, etag, mtime, checksums
  ObjectLayout layout;  // k, m, block size, data id and distribution of this part's data
};

std::string encode_upload_info(const UploadInfo& u);
s3::Result<UploadInfo> decode_upload_info(std::string_view json);

std::string encode_uploaded_part(const UploadedPart& p);
s3::Result<UploadedPart> decode_uploaded_part(std::string_view json);

}  // namespace silt
