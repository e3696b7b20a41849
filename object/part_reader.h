// Reading the parts of a multipart upload in progress: what the admin API's export
// (server/ops/export.h) gives `silt admin migrate` of an unfinished upload. A capability
// a storage backend may offer beside ObjectLayer (the erasure-coded drives do; a cluster
// is migrated into, not from): server/ finds it on its layer with dynamic_cast and
// answers NotImplemented without it. The upload and its parts' records come from
// ObjectLayer::list_uploads (everything CreateMultipartUpload recorded) and list_parts
// (number, ETag, size, mtime, checksums).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/error.h"
#include "common/object_model.h"
#include "object/object_layer.h"

namespace silt {

class PartReader {
 public:
  virtual ~PartReader() = default;
  // Range [offset, offset+length) of part part_number of an upload in progress, cut at
  // the part's end, as stored when it is opened (a re-upload of that number meanwhile
  // does not change what it reads; an SSE part's bytes are ciphertext). *part, when
  // given, receives the part's record (size, ETag, mtime, checksums; the reader yields
  // min(length, size - offset) bytes). NoSuchUpload; InvalidPart when no part of that
  // number was uploaded; InvalidRange when offset is past the part's end;
  // InvalidArgument for a number outside 1..10000. Blocks (disk I/O).
  virtual s3::Result<std::unique_ptr<ObjectReader>> open_part(std::string_view bucket, std::string_view key,
                                                              std::string_view upload_id, int part_number,
                                                              uint64_t offset, uint64_t length,
                                                              PartInfo* part = nullptr) = 0;
};

}  // namespace silt
