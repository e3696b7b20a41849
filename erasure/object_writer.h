// Streams one new object into shard files under each drive's tmp/<dataid>/,
// one stripe at a time, and on commit moves them to data/ and commits the index
// (an object version, or one part of a multipart upload). Compressed pools
// store every stripe as one zstd frame, or raw when that is not smaller.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "erasure/erasure_set.h"
#include "object/object_layer.h"

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

// Creates the temporary shard files in pool; fails when fewer than the write
// quorum of drives accept one.
s3::Result<std::unique_ptr<ObjectWriter>> start_object_writer(ErasureSet& set, Pool& pool, WriteTarget target);

// Copies `size` bytes from src into a new data dir `data_id` of pool as part
// `part_number`, with meta_json as its meta.json, fsynced and renamed into
// data/, but commits nothing to the index: the caller (a storage class
// transition) flips the record and removes the dir if that fails. before_chunk
// is called with each chunk's size before it is read (rate limiting).
s3::Result<PartRecord> write_relocated_part(ErasureSet& set, Pool& pool, ObjectReader& src, uint64_t size,
                                            int part_number, const std::string& data_id, const std::string& meta_json,
                                            const std::function<void(uint64_t)>& before_chunk);

}  // namespace silt
