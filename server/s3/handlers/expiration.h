// x-amz-expiration: when a lifecycle rule will expire an object, announced on
// PutObject, GetObject and HeadObject as S3 does.
#pragma once

#include <string>

#include "server/s3/handler.h"

namespace silt::server::handlers {

// The header's value for the current version `info`, or empty when no enabled
// rule expires it. Blocking (reads the bucket's configuration).
std::string expiration_for(Services& svc, const ObjectInfo& info);

}  // namespace silt::server::handlers
