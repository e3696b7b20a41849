// Reads a byte range of one object version stripe by stripe, rebuilding
// missing or corrupt shard blocks from parity.
#pragma once

#include <cstdint>
#include <memory>

#include "erasure/erasure_set.h"
#include "index/object_record.h"
#include "object/object_layer.h"

namespace silt {

// Opens the shard files of the parts the range touches now (so later removal
// cannot hurt the reader; for very many parts only the first ones, see .cpp).
// A range may span parts. InternalError when fewer than k shards of a part can
// be opened. Call under set.data_mu (shared).
s3::Result<std::unique_ptr<ObjectReader>> open_object_reader(ErasureSet& set, const ObjectRecord& rec, uint64_t offset,
                                                             uint64_t length);

}  // namespace silt
