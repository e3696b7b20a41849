// SILT_BUCKETS=a,b,c: buckets `silt server` makes sure exist at start, so a compose
// file needs no init container running `mc mb` or `aws s3 mb`. Created through the
// object layer like CreateBucket, owned by the admin; existing ones are left alone.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "object/object_layer.h"

namespace silt {

// Comma-separated names (blanks around them ignored, duplicates once). InvalidBucketName
// naming the first name CreateBucket would refuse (S3's naming rules, the reserved `minio`).
s3::Result<std::vector<std::string>> parse_bootstrap_buckets(std::string_view list);

struct BootstrapOutcome {
  std::vector<std::string> created;
  std::vector<std::string> existing;  // already there (any owner): untouched
};

// Creates each missing bucket; stops at the first failure.
s3::Result<BootstrapOutcome> create_bootstrap_buckets(ObjectLayer& objects, const std::vector<std::string>& names);

}  // namespace silt
