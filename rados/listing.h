// ListObjects on a bucket's shard: the O entries in key order, with prefix,
// delimiter (each common prefix reported once, then one request starting past it),
// `after` and max-keys, the same pages as the LevelDB index (index/index_listing.cpp).
// A page takes one omap_get_vals2 round trip per 1000 entries and per common prefix;
// it is not a snapshot: entries committed while it runs may or may not appear.
#pragma once

#include <string_view>

#include "common/list_entry.h"
#include "common/object_model.h"
#include "rados/backend.h"

namespace silt::rados {

s3::Result<ListResult> list_objects(Backend& b, std::string_view bucket, const ListParams& p);
// ListObjectVersions: the V entries by key, newest first within a key, delete markers
// included, with prefix, delimiter, key and version-id markers, as the LevelDB index
// lists them. InvalidArgument for a version-id marker that is neither "null" nor an id.
s3::Result<VersionListResult> list_versions(Backend& b, std::string_view bucket, const VersionListParams& p);
// ListMultipartUploads: the U entries (uploads in progress) by key, then initiation,
// with prefix, delimiter, key and upload-id markers, as the LevelDB index lists them.
s3::Result<UploadList> list_uploads(Backend& b, std::string_view bucket, const UploadListParams& p);

}  // namespace silt::rados
