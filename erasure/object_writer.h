// Streams one new object into shard files under each drive's tmp/<dataid>/,
// one stripe at a time, and on commit moves them to data/ and commits the index.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "erasure/erasure_set.h"
#include "erasure/object_layer.h"

namespace silt {

// Creates the temporary shard files; fails when fewer than the write quorum of
// drives accept one.
s3::Result<std::unique_ptr<ObjectWriter>> start_object_writer(ErasureSet& set, std::string_view bucket,
                                                              std::string_view key);

}  // namespace silt
