// The x-amz-copy-source header of CopyObject and UploadPartCopy.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace silt::server {

struct CopySource {
  std::string bucket, key, version_id;  // version_id empty: latest
};

// "bucket/key", "/bucket/key", percent-encoded, optionally "?versionId=..." (clients.md X-CPY-01).
s3::Result<CopySource> parse_copy_source(std::string_view header);

}  // namespace silt::server
