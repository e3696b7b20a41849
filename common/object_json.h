// JSON forms of the object model (common/object_model.h) that travel between silts: an
// object's metadata inside the index's records (index/object_record.h), and one version as
// the admin API's export gives it to `silt admin migrate` (server/ops/export.h). Fields
// absent from a document (written before them) keep their defaults.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/object_model.h"

namespace silt {

// Pairs keep their order and may repeat, so they travel as [[name, value], ...].
nlohmann::json pairs_to_json(const std::vector<std::pair<std::string, std::string>>& v);
std::vector<std::pair<std::string, std::string>> pairs_from_json(const nlohmann::json& a);

nlohmann::json meta_to_json(const ObjectMeta& m);
ObjectMeta meta_from_json(const nlohmann::json& j);

// One version as a client sees it, with what a copy of it needs: bucket, key, version id,
// size, ETag, Last-Modified, delete marker, metadata (tags, ACL, class, checksums, lock,
// encryption, writer), its parts and the upload it completed. is_latest and stored_bytes
// are not carried (the receiver decides them).
nlohmann::json info_to_json(const ObjectInfo& v);
// InternalError naming what is missing or mistyped.
s3::Result<ObjectInfo> info_from_json(const nlohmann::json& j);

// An upload in progress as the export gives it: key, upload id, initiation time and what
// CreateMultipartUpload recorded (meta: class, checksum algorithm and type, SSE, tags,
// ACL, content headers, user metadata). The bucket is the page's.
nlohmann::json upload_to_json(const UploadInfo& u);
// InternalError naming what is missing or mistyped.
s3::Result<UploadInfo> upload_from_json(const nlohmann::json& j);

// One uploaded part: number, size, ETag, mtime, checksums.
nlohmann::json part_to_json(const PartInfo& p);
s3::Result<PartInfo> part_from_json(const nlohmann::json& j);

}  // namespace silt
