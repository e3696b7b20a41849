// Reads a byte range of one version: an inlined one from its D entry (read whole at
// open), a pooled one from its RADOS data objects, each request covering the part of
// one object the range needs, with reads_ahead more requests in flight beyond the
// one being served (read-ahead across object boundaries).
#pragma once

#include <memory>
#include <string>

#include "index/object_record.h"
#include "object/object_layer.h"
#include "rados/backend.h"

namespace silt::rados {

// rec: the version as read from the shard. ServiceUnavailable when an inlined
// version was replaced since (its bytes went with it); clients retry.
s3::Result<std::unique_ptr<ObjectReader>> open_reader(Backend& b, const std::string& shard, const ObjectRecord& rec,
                                                      uint64_t offset, uint64_t length);

}  // namespace silt::rados
