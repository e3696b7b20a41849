// MinIO's way of naming drives on the `server` command line (and in MINIO_VOLUMES):
// one or more directories, each possibly abbreviated with the ellipsis notation
// `/data{1...4}` (= /data1 /data2 /data3 /data4; `{01...16}` keeps the zero padding,
// several braces in one argument combine). silt runs on one machine, so the
// distributed form (http://host{1...4}/data) is refused with a clear message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace silt {

// Expands every argument in order; InvalidArgument for URLs, malformed or empty ranges,
// duplicates, or more than kMaxVolumeDirs directories in all.
s3::Result<std::vector<std::string>> expand_volume_args(const std::vector<std::string>& args);

// MINIO_VOLUMES: directories separated by spaces (or tabs, newlines), each expanded as above.
s3::Result<std::vector<std::string>> expand_volume_list(std::string_view list);

constexpr size_t kMaxVolumeDirs = 256;  // Reed-Solomon's shard limit

}  // namespace silt
