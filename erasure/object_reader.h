// Reads a byte range of one object version stripe by stripe, rebuilding
// missing or corrupt shard blocks from parity.
#pragma once

#include <cstdint>
#include <memory>

#include "erasure/erasure_set.h"
#include "erasure/object_layer.h"
#include "index/object_record.h"

namespace silt {

// Opens every shard file of rec now (so later removal cannot hurt the reader).
// InternalError when fewer than k shards can be opened. Call under set.data_mu (shared).
s3::Result<std::unique_ptr<ObjectReader>> open_object_reader(const ErasureSet& set, const ObjectRecord& rec,
                                                             uint64_t offset, uint64_t length);

}  // namespace silt
