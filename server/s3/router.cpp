#include "server/s3/router.h"

#include <algorithm>
#include <array>

#include "server/s3/handlers/handlers.h"
#include "server/s3/unsupported_headers.h"

namespace silt::server {

namespace {

enum class Level { Service, Bucket, Object };

// One row per operation. `when` selects by query parameter ("location",
// "list-type=2") or by header ("header:x-amz-copy-source"), several joined by
// '&'; an empty `when` matches only a request that names no S3 subresource.
// versionId and partNumber are arguments of the plain object operations.
struct Row {
  http::verb method;
  Level level;
  std::string_view when;
  Route route;
};

using namespace handlers;
constexpr Row kRoutes[] = {
    {http::verb::get, Level::Service, "", {"ListBuckets", list_buckets}},

    {http::verb::put, Level::Bucket, "", {"CreateBucket", create_bucket}},
    {http::verb::head, Level::Bucket, "", {"HeadBucket", head_bucket}},
    {http::verb::delete_, Level::Bucket, "", {"DeleteBucket", delete_bucket}},
    {http::verb::get, Level::Bucket, "location", {"GetBucketLocation", get_bucket_location}},
    {http::verb::get, Level::Bucket, "list-type=2", {"ListObjectsV2", list_objects_v2}},
    {http::verb::get, Level::Bucket, "versions", {"ListObjectVersions", list_object_versions}},
    {http::verb::get, Level::Bucket, "uploads", {"ListMultipartUploads", list_multipart_uploads}},
    {http::verb::get, Level::Bucket, "", {"ListObjects", list_objects_v1}},
    {http::verb::post, Level::Bucket, "delete", {"DeleteObjects", delete_objects}},
    {http::verb::put, Level::Bucket, "versioning", {"PutBucketVersioning", put_bucket_versioning}},
    {http::verb::get, Level::Bucket, "versioning", {"GetBucketVersioning", get_bucket_versioning}},
    {http::verb::put, Level::Bucket, "cors", {"PutBucketCors", put_bucket_cors}},
    {http::verb::get, Level::Bucket, "cors", {"GetBucketCors", get_bucket_cors}},
    {http::verb::delete_, Level::Bucket, "cors", {"DeleteBucketCors", delete_bucket_cors}},
    {http::verb::put, Level::Bucket, "lifecycle", {"PutBucketLifecycleConfiguration", put_bucket_lifecycle}},
    {http::verb::get, Level::Bucket, "lifecycle", {"GetBucketLifecycleConfiguration", get_bucket_lifecycle}},
    {http::verb::delete_, Level::Bucket, "lifecycle", {"DeleteBucketLifecycle", delete_bucket_lifecycle}},
    {http::verb::put, Level::Bucket, "policy", {"PutBucketPolicy", put_bucket_policy}},
    {http::verb::get, Level::Bucket, "policy", {"GetBucketPolicy", get_bucket_policy}},
    {http::verb::delete_, Level::Bucket, "policy", {"DeleteBucketPolicy", delete_bucket_policy}},
    {http::verb::get, Level::Bucket, "policyStatus", {"GetBucketPolicyStatus", get_bucket_policy_status}},
    {http::verb::put, Level::Bucket, "acl", {"PutBucketAcl", put_bucket_acl}},
    {http::verb::get, Level::Bucket, "acl", {"GetBucketAcl", get_bucket_acl}},

    {http::verb::post, Level::Object, "uploads", {"CreateMultipartUpload", create_multipart_upload}},
    {http::verb::put, Level::Object, "uploadId&header:x-amz-copy-source", {"UploadPartCopy", upload_part_copy}},
    {http::verb::put, Level::Object, "uploadId", {"UploadPart", upload_part}},
    {http::verb::post, Level::Object, "uploadId", {"CompleteMultipartUpload", complete_multipart_upload}},
    {http::verb::delete_, Level::Object, "uploadId", {"AbortMultipartUpload", abort_multipart_upload}},
    {http::verb::get, Level::Object, "uploadId", {"ListParts", list_parts}},
    {http::verb::put, Level::Object, "tagging", {"PutObjectTagging", put_object_tagging}},
    {http::verb::get, Level::Object, "tagging", {"GetObjectTagging", get_object_tagging}},
    {http::verb::delete_, Level::Object, "tagging", {"DeleteObjectTagging", delete_object_tagging}},
    {http::verb::get, Level::Object, "attributes", {"GetObjectAttributes", get_object_attributes}},
    {http::verb::put, Level::Object, "acl", {"PutObjectAcl", put_object_acl}},
    {http::verb::get, Level::Object, "acl", {"GetObjectAcl", get_object_acl}},
    {http::verb::put, Level::Object, "header:x-amz-copy-source", {"CopyObject", copy_object}},
    {http::verb::put, Level::Object, "", {"PutObject", put_object}},
    {http::verb::get, Level::Object, "", {"GetObject", get_object}},
    {http::verb::head, Level::Object, "", {"HeadObject", head_object}},
    {http::verb::delete_, Level::Object, "", {"DeleteObject", delete_object}},
};

// Query parameters that name an S3 subresource (a different operation on the
// same path). A request carrying one that no row matches is NotImplemented.
constexpr std::array<std::string_view, 36> kSubresources = {"accelerate",
                                                            "acl",
                                                            "analytics",
                                                            "attributes",
                                                            "cors",
                                                            "delete",
                                                            "encryption",
                                                            "intelligent-tiering",
                                                            "inventory",
                                                            "legal-hold",
                                                            "lifecycle",
                                                            "location",
                                                            "logging",
                                                            "metadataTable",
                                                            "metrics",
                                                            "notification",
                                                            "object-lock",
                                                            "ownershipControls",
                                                            "policy",
                                                            "policyStatus",
                                                            "publicAccessBlock",
                                                            "renameObject",
                                                            "replication",
                                                            "requestPayment",
                                                            "restore",
                                                            "retention",
                                                            "select",
                                                            "session",
                                                            "tagging",
                                                            "torrent",
                                                            "uploadId",
                                                            "uploads",
                                                            "versioning",
                                                            "versions",
                                                            "website",
                                                            "list-type"};

bool names_subresource(const S3Request& req) {
  for (const auto& [k, v] : req.query)
    for (auto s : kSubresources)
      if (k == s) return true;
  return false;
}

bool condition_holds(std::string_view cond, const S3Request& req) {
  if (cond.rfind("header:", 0) == 0) return req.has_header(cond.substr(7));
  size_t eq = cond.find('=');
  if (eq == std::string_view::npos) return req.has_query(cond);
  const std::string* v = req.query_value(cond.substr(0, eq));
  return v && *v == cond.substr(eq + 1);
}

bool matches(const Row& row, const S3Request& req) {
  if (row.when.empty()) return !names_subresource(req);
  std::string_view rest = row.when;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    if (!condition_holds(rest.substr(0, amp), req)) return false;
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
  return true;
}

}  // namespace

s3::Result<Route> route(const S3Request& req) {
  Level level = req.bucket.empty() ? Level::Service : req.has_key ? Level::Object : Level::Bucket;
  bool known_method = false;
  for (const auto& row : kRoutes) {
    if (row.level != level || row.method != req.method) continue;
    known_method = true;
    if (!matches(row, req)) continue;
    // A header asking for what silt does not do is refused before anyone acts on the request.
    if (auto st = refuse_unsupported(row.route.operation, req); !st) return st.error();
    return row.route;
  }
  if (known_method || names_subresource(req))
    return s3::Error(s3::Code::NotImplemented,
                     "A header or query you provided implies functionality that is not implemented.");
  if (req.method == http::verb::post || req.method == http::verb::options)
    return s3::Error(s3::Code::NotImplemented, "This operation is not implemented.");
  return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
}

std::vector<std::string_view> operation_names() {
  std::vector<std::string_view> names;
  for (const auto& row : kRoutes)
    if (std::find(names.begin(), names.end(), row.route.operation) == names.end()) names.push_back(row.route.operation);
  return names;
}

}  // namespace silt::server
