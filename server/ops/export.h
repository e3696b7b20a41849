// The admin API's export calls (docs/admin-api.md, "Export"), which `silt admin migrate`
// (cmd/migrate.h) reads a running single-node silt through while it keeps serving:
// everything the object layer and the user store hold, as typed records, in bounded
// pages, and each version's bytes as stored. They read through ObjectLayer and
// auth::UserStore only (no LevelDB handle leaves the backend), so they work on any
// backend. Pages are not one snapshot: a migration's last pass runs under the write
// freeze (server/ops/freeze.h), when nothing changes between pages.
#pragma once

#include "common/error.h"
#include "server/ops/admin.h"

namespace silt::server {

// The bucket config documents a bucket may hold, by their object-layer names: the set the
// export copies and `silt admin migrate` compares. The lifecycle worker's cursor is not
// one of them (the cluster's worker starts its own pass).
inline constexpr const char* kExportedConfigs[] = {
    "policy",     "acl",  "location", "public-access-block", "ownership-controls", "tagging", "object-lock",
    "encryption", "cors", "lifecycle"};

// GET export/buckets: {"buckets": [{name, created_ms, versioning, owner, configs: {name:
// document}}], "users": [the stored users as users.json has them, secrets included]}.
s3::Result<Response> admin_export_buckets(const AdminCall& c);
// GET export/versions?bucket=B[&key-marker=K&version-id-marker=V]: at most 1000 versions
// of B in ListObjectVersions order, each whole (common/object_json.h's info_to_json:
// metadata, tags, ACL, class, checksums, lock, encryption, parts), with the markers of the
// next page. NoSuchBucket.
s3::Result<Response> admin_export_versions(const AdminCall& c);
// GET export/data?bucket=B&key=K&version-id=V[&offset=O&length=L]: L bytes (at most
// 16 MiB, the default) from offset O of that version as the storage keeps them (ciphertext for encrypted
// objects: the record carries the sealed key), streamed. NoSuchKey, NoSuchVersion.
s3::Result<Response> admin_export_data(const AdminCall& c);
// GET export/uploads?bucket=B[&key-marker=K&upload-id-marker=U]: at most 1000 uploads in
// progress in ListMultipartUploads order (common/object_json.h's upload_to_json: key,
// upload id, initiation time, everything CreateMultipartUpload recorded), with the
// markers of the next page. NoSuchBucket; markers longer than 1024 bytes: InvalidArgument.
s3::Result<Response> admin_export_uploads(const AdminCall& c);
// GET export/parts?bucket=B&key=K&upload-id=U[&part-number-marker=N]: at most 1000 parts
// after N (part_to_json: number, size, ETag, mtime, checksums), ascending, with the
// marker of the next page. NoSuchUpload; a marker outside 0..10000: InvalidArgument.
s3::Result<Response> admin_export_parts(const AdminCall& c);
// GET export/part-data?bucket=B&key=K&upload-id=U&part-number=N[&offset=O&length=L]: at
// most L bytes (at most 16 MiB, the default) of that part from offset O, cut at its end,
// as stored, streamed. NoSuchUpload; InvalidPart (not uploaded); InvalidRange (O past its
// end); a part number outside 1..10000: InvalidArgument.
s3::Result<Response> admin_export_part_data(const AdminCall& c);

}  // namespace silt::server
