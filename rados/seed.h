// Bulk-loading a bucket with empty objects, for benches and scale tests (a bucket of
// 1M keys in minutes rather than 1M PUTs): the index entries a PUT of a zero-byte
// object into an unversioned bucket commits (O, the null V, and in a packed bucket the
// listing delta, folded into blocks at the end: rados/list_pack.h), written a batch of
// keys at a time per shard in ops that assert the shard as a commit does, so shards
// split as they fill, exactly as under PUTs. Not on any S3 request path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "rados/backend.h"

namespace silt::rados {

// Adds keys (sorted, none present yet) as empty objects of bucket, at most
// `batch` keys per op (<= 340: up to three entries each, 1024 per op at most).
s3::Status seed_empty_objects(Backend& b, std::string_view bucket, const std::vector<std::string>& keys,
                              size_t batch = 340);

}  // namespace silt::rados
