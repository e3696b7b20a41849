#include "server/router.h"

#include <array>

#include "server/handlers/handlers.h"

namespace silt::server {

namespace {

enum class Level { Service, Bucket, Object };

// One row per operation. `when` selects by query parameter ("location",
// "list-type=2") or by header ("header:x-amz-copy-source"); an empty `when`
// matches only a request that names no S3 subresource.
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
    {http::verb::get, Level::Bucket, "", {"ListObjects", list_objects_v1}},
    {http::verb::post, Level::Bucket, "delete", {"DeleteObjects", delete_objects}},

    {http::verb::put, Level::Object, "header:x-amz-copy-source", {"CopyObject", copy_object}},
    {http::verb::put, Level::Object, "", {"PutObject", put_object}},
    {http::verb::get, Level::Object, "", {"GetObject", get_object}},
    {http::verb::head, Level::Object, "", {"HeadObject", head_object}},
    {http::verb::delete_, Level::Object, "", {"DeleteObject", delete_object}},
};

// Query parameters that name an S3 subresource (a different operation on the
// same path). A request carrying one that no row matches is NotImplemented.
constexpr std::array<std::string_view, 38> kSubresources = {
    "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering",
    "inventory", "legal-hold", "lifecycle", "location", "logging", "metadataTable", "metrics", "notification",
    "object-lock", "ownershipControls", "partNumber", "policy", "policyStatus", "publicAccessBlock", "renameObject",
    "replication", "requestPayment", "restore", "retention", "select", "session", "tagging", "torrent", "uploadId",
    "uploads", "versionId", "versioning", "versions", "website", "list-type"};

bool names_subresource(const S3Request& req) {
  for (const auto& [k, v] : req.query)
    for (auto s : kSubresources)
      if (k == s) return !(k == "versionId" && v == "null");  // versionId=null is the plain object
  return false;
}

bool matches(const Row& row, const S3Request& req) {
  if (row.when.empty()) return !names_subresource(req);
  if (row.when.rfind("header:", 0) == 0) return req.has_header(row.when.substr(7));
  size_t eq = row.when.find('=');
  if (eq == std::string_view::npos) return req.has_query(row.when);
  const std::string* v = req.query_value(row.when.substr(0, eq));
  return v && *v == row.when.substr(eq + 1);
}

}  // namespace

s3::Result<Route> route(const S3Request& req) {
  Level level = req.bucket.empty() ? Level::Service : req.has_key ? Level::Object : Level::Bucket;
  bool known_method = false;
  for (const auto& row : kRoutes) {
    if (row.level != level || row.method != req.method) continue;
    known_method = true;
    if (matches(row, req)) return row.route;
  }
  if (known_method || names_subresource(req))
    return s3::Error(s3::Code::NotImplemented, "A header or query you provided implies functionality that is not implemented.");
  if (req.method == http::verb::post || req.method == http::verb::options)
    return s3::Error(s3::Code::NotImplemented, "This operation is not implemented.");
  return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
}

}  // namespace silt::server
