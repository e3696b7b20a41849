// Streams one new object into shard files under each drive's tmp/<dataid>/,
// one stripe at a time, and on commit moves them to data/ and commits the index
// (an object version, or one part of a multipart upload).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "erasure/erasure_set.h"
#include "erasure/object_layer.h"

namespace silt {

// What a writer's commit makes of its data: a new version of bucket/key
// (upload_id empty; cond checked at commit) or part part_number of an upload.
struct WriteTarget {
  std::string bucket;
  std::string key;
  WriteConditions cond;
  std::string upload_id;
  int part_number = 1;
};

// Creates the temporary shard files; fails when fewer than the write quorum of
// drives accept one.
s3::Result<std::unique_ptr<ObjectWriter>> start_object_writer(ErasureSet& set, WriteTarget target);

}  // namespace silt
