// The XML request bodies of DeleteObjects, CompleteMultipartUpload and
// PutBucketVersioning, parsed apart from their handlers so the fuzz targets
// (test/fuzz) can reach them without a server. Tagging and CORS documents have
// their own modules (tags.h, server/s3/cors.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"

namespace silt::server {

// The error S3 gives for any body that is not the document it expects.
s3::Error malformed_xml();

struct DeleteTarget {
  std::string key, version_id;
  DeleteConditions cond;  // <ETag>, <LastModifiedTime>, <Size>
};
struct DeleteRequest {
  bool quiet = false;
  std::vector<DeleteTarget> targets;
};
// <Delete><Quiet/><Object><Key/><VersionId/><ETag/><LastModifiedTime/><Size/></Object>...
// </Delete>: 1..max_keys objects. LastModifiedTime as an HTTP date (botocore) or ISO 8601.
// MalformedXML, also for an empty or unreadable condition.
s3::Result<DeleteRequest> parse_delete_objects(std::string_view xml, size_t max_keys);

// <CompleteMultipartUpload><Part><PartNumber/><ETag/><ChecksumCRC32/>...</Part>...:
// at least one part. MalformedXML.
s3::Result<std::vector<CompletedPart>> parse_complete_multipart(std::string_view xml);

// <VersioningConfiguration><Status>Enabled|Suspended</Status>. MalformedXML,
// NotImplemented (MfaDelete Enabled).
s3::Result<Versioning> parse_versioning(std::string_view xml);

}  // namespace silt::server
