// Writing versions into the cluster as another silt recorded them (issue 18 item 2,
// `silt admin migrate`, cmd/migrate.h): each version keeps its version id and vkey,
// ETag, Last-Modified, metadata, checksums, tags, ACL, storage class, Object Lock and,
// for a multipart object, its part layout (each part its own data id, as a Complete on
// this backend leaves it). Not an S3 path: a PUT would mint new ids and dates.
//
// import_key makes one key of the cluster hold exactly the versions it is given, so
// running it again (a migration's second pass) copies only what changed: a version
// whose vkey and data (ETag, size, Last-Modified, class) are already there keeps its
// data and has only its record rewritten when that differs; a version the source no
// longer has is removed and its data queued for GC, as a DELETE of it would. Object Lock
// is carried, not judged: the source judged it.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "index/object_record.h"
#include "rados/backend.h"

namespace silt::rados {

// Sends every stored byte of version v to sink, in order.
using ByteSink = std::function<s3::Status(const char* data, size_t n)>;
using DataSource = std::function<s3::Status(const ObjectInfo& v, const ByteSink& sink)>;

struct ImportStats {
  uint64_t written = 0;    // versions whose data was copied
  uint64_t rewritten = 0;  // versions whose record changed, data kept
  uint64_t same = 0;       // versions already there as given
  uint64_t removed = 0;    // versions of the cluster the source no longer has
  uint64_t bytes = 0;      // data bytes copied
};

// Makes the versions of bucket/key exactly `versions` (every version of the key, newest
// first, as ListObjectVersions gives them, with meta and parts), the first one latest.
// Empty: the key goes. A real version's vkey is its id; the null version's (its commit
// time, which a listing does not carry) is rebuilt from its Last-Modified, kept between
// its neighbours', so the key's versions keep their order. NoSuchBucket; InvalidStorageClass when a
// version's class is not mapped here; SlowDown when the key changed under it (a gateway
// serving it meanwhile: migrate into a cluster no client writes yet).
s3::Status import_key(Backend& b, std::string_view bucket, std::string_view key,
                      const std::vector<ObjectInfo>& versions, const DataSource& data, ImportStats& stats);

}  // namespace silt::rados
