#include "server/s3/router.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "server/ops/console.h"
#include "server/ops/export.h"
#include "server/ops/health.h"
#include "server/ops/metrics_endpoint.h"
#include "server/s3/handlers/handlers.h"
#include "server/s3/unsupported_headers.h"

namespace silt::server {

namespace {

// Where a row's requests are addressed: an S3 level (the bucket and key the path names), or a
// path of silt's own, matched before S3 addressing.
enum class Place {
  Service,     // S3: no bucket
  Bucket,      // S3: a bucket, no key
  Object,      // S3: a bucket and key
  AnyLevel,    // S3: any of the three
  Path,        // exactly this path
  PathTree,    // this path and everything under it ("/_silt/console", "/_silt/console/...")
  PathPrefix,  // paths starting with this string
};

// A set of HTTP methods.
using Methods = uint64_t;
constexpr Methods method(http::verb v) {
  return Methods{1} << static_cast<unsigned>(v);
}
constexpr Methods kGetHead = method(http::verb::get) | method(http::verb::head);
constexpr Methods kAnyMethod = ~Methods{0};
static_assert(static_cast<unsigned>(http::verb::unlink) < 64, "a verb is one bit of Methods");

// One row per endpoint, tried in order. For S3 places `what` selects by query parameter
// ("location", "list-type=2"), by header ("header:x-amz-copy-source"), "form" (a POST with
// no query and a multipart/form-data body: POST Object) or "any", several joined by '&'; an
// empty `what` matches only a request that names no S3 subresource. versionId and
// partNumber are arguments of the plain object operations. For path places it is the path.
struct Row {
  Place place;
  Methods methods;
  std::string_view what;
  Endpoint endpoint;
};

constexpr IamAction kNone{kNoIamAction, {}, false};
// An action on the bucket, one on bucket/key, and one on bucket/key with a *Version variant.
constexpr IamAction bucket(std::string_view a) {
  return {a, {}, false};
}
constexpr IamAction object(std::string_view a, std::string_view versioned = {}) {
  return {a, versioned, true};
}

using http::verb;
using namespace handlers;
// HeadObject is s3:GetObject and HeadBucket s3:ListBucket, as AWS documents them. Deleting a
// bucket's CORS, lifecycle, public access block, ownership controls or tags is its Put
// action in AWS's table too. UploadPart,
// UploadPartCopy, CompleteMultipartUpload and POST Object are s3:PutObject; DeleteObjects is
// checked per key as s3:DeleteObject(Version) by its handler (access_check.h).
// One row per line or two, read as a table.
// clang-format off
constexpr Row kRows[] = {
    // silt's own endpoints, by path: they are never S3 requests.
    {Place::Path, kAnyMethod, "/_silt/metrics", {"Metrics", Auth::MetricsToken, kNone, serve_metrics}},
    {Place::Path, kAnyMethod, "/minio/v2/metrics/cluster", {"Metrics", Auth::MetricsToken, kNone, serve_metrics}},
    {Place::Path, kAnyMethod, "/minio/v2/metrics/node", {"Metrics", Auth::MetricsToken, kNone, serve_metrics}},
    // Other methods on these paths are S3's (a bucket "minio", which CreateBucket refuses).
    {Place::Path, kGetHead, "/_silt/health/live", {"Health", Auth::None, kNone, serve_health}},
    {Place::Path, kGetHead, "/_silt/health/ready", {"Health", Auth::None, kNone, serve_health}},
    {Place::Path, kGetHead, "/minio/health/live", {"Health", Auth::None, kNone, serve_health}},
    {Place::Path, kGetHead, "/minio/health/ready", {"Health", Auth::None, kNone, serve_health}},
    {Place::Path, kGetHead, "/minio/health/cluster", {"Health", Auth::None, kNone, serve_health}},
    {Place::Path, kGetHead, "/minio/health/cluster/read", {"Health", Auth::None, kNone, serve_health}},
    // The console's pages, files and data calls: one row, dispatched inside console.cpp.
    {Place::PathTree, kAnyMethod, "/_silt/console", {"Console", Auth::ConsoleSession, kNone, serve_console}},
    // One row per admin API call (docs/admin-api.md); the call checks its method.
    {Place::Path, kAnyMethod, "/_silt/admin/v1/users", {"AdminUsers", Auth::AdminSigned, kNone, admin_users}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/usage", {"AdminUsage", Auth::AdminSigned, kNone, admin_usage}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/lifecycle/run",
     {"AdminLifecycleRun", Auth::AdminSigned, kNone, admin_lifecycle_run}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/lifecycle/status",
     {"AdminLifecycleStatus", Auth::AdminSigned, kNone, admin_lifecycle_status}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/lifecycle/simulate",
     {"AdminLifecycleSimulate", Auth::AdminSigned, kNone, admin_lifecycle_simulate}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/status", {"AdminStatus", Auth::AdminSigned, kNone, admin_status}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/heal/run", {"AdminHealRun", Auth::AdminSigned, kNone, admin_heal_run}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/heal/status",
     {"AdminHealStatus", Auth::AdminSigned, kNone, admin_heal_status}},
    // `silt admin migrate`'s reads (server/ops/export.h) and its write freeze.
    {Place::Path, kAnyMethod, "/_silt/admin/v1/export/buckets",
     {"AdminExportBuckets", Auth::AdminSigned, kNone, admin_export_buckets}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/export/versions",
     {"AdminExportVersions", Auth::AdminSigned, kNone, admin_export_versions}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/export/data",
     {"AdminExportData", Auth::AdminSigned, kNone, admin_export_data}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/export/uploads",
     {"AdminExportUploads", Auth::AdminSigned, kNone, admin_export_uploads}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/export/parts",
     {"AdminExportParts", Auth::AdminSigned, kNone, admin_export_parts}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/export/part-data",
     {"AdminExportPartData", Auth::AdminSigned, kNone, admin_export_part_data}},
    {Place::Path, kAnyMethod, "/_silt/admin/v1/freeze", {"AdminFreeze", Auth::AdminSigned, kNone, admin_freeze}},
    {Place::PathPrefix, kAnyMethod, "/_silt/admin/", {"Admin", Auth::AdminSigned, kNone, admin_unknown}},

    // A browser's CORS preflight carries no credentials: the bucket's CORS rules decide.
    {Place::AnyLevel, method(verb::options), "any", {"Preflight", Auth::None, kNone, preflight}},
    // A browser's form upload is signed by the policy inside the form.
    {Place::Bucket, method(verb::post), "form", {"PostObject", Auth::FormPolicy, object("s3:PutObject"), post_object}},

    {Place::Service, method(verb::get), "", {"ListBuckets", Auth::Signed, bucket("s3:ListAllMyBuckets"), list_buckets}},

    {Place::Bucket, method(verb::put), "", {"CreateBucket", Auth::Signed, bucket("s3:CreateBucket"), create_bucket}},
    {Place::Bucket, method(verb::head), "", {"HeadBucket", Auth::Signed, bucket("s3:ListBucket"), head_bucket}},
    {Place::Bucket, method(verb::delete_), "",
     {"DeleteBucket", Auth::Signed, bucket("s3:DeleteBucket"), delete_bucket}},
    {Place::Bucket, method(verb::get), "location",
     {"GetBucketLocation", Auth::Signed, bucket("s3:GetBucketLocation"), get_bucket_location}},
    {Place::Bucket, method(verb::get), "list-type=2",
     {"ListObjectsV2", Auth::Signed, bucket("s3:ListBucket"), list_objects_v2}},
    {Place::Bucket, method(verb::get), "versions",
     {"ListObjectVersions", Auth::Signed, bucket("s3:ListBucketVersions"), list_object_versions}},
    {Place::Bucket, method(verb::get), "uploads",
     {"ListMultipartUploads", Auth::Signed, bucket("s3:ListBucketMultipartUploads"), list_multipart_uploads}},
    {Place::Bucket, method(verb::get), "", {"ListObjects", Auth::Signed, bucket("s3:ListBucket"), list_objects_v1}},
    {Place::Bucket, method(verb::post), "delete",
     {"DeleteObjects", Auth::Signed, bucket("s3:DeleteObject"), delete_objects}},
    {Place::Bucket, method(verb::put), "versioning",
     {"PutBucketVersioning", Auth::Signed, bucket("s3:PutBucketVersioning"), put_bucket_versioning}},
    {Place::Bucket, method(verb::get), "versioning",
     {"GetBucketVersioning", Auth::Signed, bucket("s3:GetBucketVersioning"), get_bucket_versioning}},
    {Place::Bucket, method(verb::put), "cors",
     {"PutBucketCors", Auth::Signed, bucket("s3:PutBucketCORS"), put_bucket_cors}},
    {Place::Bucket, method(verb::get), "cors",
     {"GetBucketCors", Auth::Signed, bucket("s3:GetBucketCORS"), get_bucket_cors}},
    {Place::Bucket, method(verb::delete_), "cors",
     {"DeleteBucketCors", Auth::Signed, bucket("s3:PutBucketCORS"), delete_bucket_cors}},
    {Place::Bucket, method(verb::put), "lifecycle",
     {"PutBucketLifecycleConfiguration", Auth::Signed, bucket("s3:PutLifecycleConfiguration"), put_bucket_lifecycle}},
    {Place::Bucket, method(verb::get), "lifecycle",
     {"GetBucketLifecycleConfiguration", Auth::Signed, bucket("s3:GetLifecycleConfiguration"), get_bucket_lifecycle}},
    {Place::Bucket, method(verb::delete_), "lifecycle",
     {"DeleteBucketLifecycle", Auth::Signed, bucket("s3:PutLifecycleConfiguration"), delete_bucket_lifecycle}},
    {Place::Bucket, method(verb::put), "policy",
     {"PutBucketPolicy", Auth::Signed, bucket("s3:PutBucketPolicy"), put_bucket_policy}},
    {Place::Bucket, method(verb::get), "policy",
     {"GetBucketPolicy", Auth::Signed, bucket("s3:GetBucketPolicy"), get_bucket_policy}},
    {Place::Bucket, method(verb::delete_), "policy",
     {"DeleteBucketPolicy", Auth::Signed, bucket("s3:DeleteBucketPolicy"), delete_bucket_policy}},
    {Place::Bucket, method(verb::get), "policyStatus",
     {"GetBucketPolicyStatus", Auth::Signed, bucket("s3:GetBucketPolicyStatus"), get_bucket_policy_status}},
    {Place::Bucket, method(verb::put), "publicAccessBlock",
     {"PutPublicAccessBlock", Auth::Signed, bucket("s3:PutBucketPublicAccessBlock"), put_public_access_block}},
    {Place::Bucket, method(verb::get), "publicAccessBlock",
     {"GetPublicAccessBlock", Auth::Signed, bucket("s3:GetBucketPublicAccessBlock"), get_public_access_block}},
    {Place::Bucket, method(verb::delete_), "publicAccessBlock",
     {"DeletePublicAccessBlock", Auth::Signed, bucket("s3:PutBucketPublicAccessBlock"), delete_public_access_block}},
    {Place::Bucket, method(verb::put), "ownershipControls",
     {"PutBucketOwnershipControls", Auth::Signed, bucket("s3:PutBucketOwnershipControls"),
      put_bucket_ownership_controls}},
    {Place::Bucket, method(verb::get), "ownershipControls",
     {"GetBucketOwnershipControls", Auth::Signed, bucket("s3:GetBucketOwnershipControls"),
      get_bucket_ownership_controls}},
    {Place::Bucket, method(verb::delete_), "ownershipControls",
     {"DeleteBucketOwnershipControls", Auth::Signed, bucket("s3:PutBucketOwnershipControls"),
      delete_bucket_ownership_controls}},
    {Place::Bucket, method(verb::put), "encryption",
     {"PutBucketEncryption", Auth::Signed, bucket("s3:PutEncryptionConfiguration"), put_bucket_encryption}},
    {Place::Bucket, method(verb::get), "encryption",
     {"GetBucketEncryption", Auth::Signed, bucket("s3:GetEncryptionConfiguration"), get_bucket_encryption}},
    {Place::Bucket, method(verb::delete_), "encryption",
     {"DeleteBucketEncryption", Auth::Signed, bucket("s3:PutEncryptionConfiguration"), delete_bucket_encryption}},
    {Place::Bucket, method(verb::put), "tagging",
     {"PutBucketTagging", Auth::Signed, bucket("s3:PutBucketTagging"), put_bucket_tagging}},
    {Place::Bucket, method(verb::get), "tagging",
     {"GetBucketTagging", Auth::Signed, bucket("s3:GetBucketTagging"), get_bucket_tagging}},
    {Place::Bucket, method(verb::delete_), "tagging",
     {"DeleteBucketTagging", Auth::Signed, bucket("s3:PutBucketTagging"), delete_bucket_tagging}},
    {Place::Bucket, method(verb::put), "object-lock",
     {"PutObjectLockConfiguration", Auth::Signed, bucket("s3:PutBucketObjectLockConfiguration"),
      put_object_lock_configuration}},
    {Place::Bucket, method(verb::get), "object-lock",
     {"GetObjectLockConfiguration", Auth::Signed, bucket("s3:GetBucketObjectLockConfiguration"),
      get_object_lock_configuration}},
    {Place::Bucket, method(verb::put), "acl",
     {"PutBucketAcl", Auth::Signed, bucket("s3:PutBucketAcl"), put_bucket_acl}},
    {Place::Bucket, method(verb::get), "acl",
     {"GetBucketAcl", Auth::Signed, bucket("s3:GetBucketAcl"), get_bucket_acl}},

    {Place::Object, method(verb::post), "uploads",
     {"CreateMultipartUpload", Auth::Signed, object("s3:PutObject"), create_multipart_upload}},
    {Place::Object, method(verb::put), "uploadId&header:x-amz-copy-source",
     {"UploadPartCopy", Auth::Signed, object("s3:PutObject"), upload_part_copy}},
    {Place::Object, method(verb::put), "uploadId", {"UploadPart", Auth::Signed, object("s3:PutObject"), upload_part}},
    {Place::Object, method(verb::post), "uploadId",
     {"CompleteMultipartUpload", Auth::Signed, object("s3:PutObject"), complete_multipart_upload}},
    {Place::Object, method(verb::delete_), "uploadId",
     {"AbortMultipartUpload", Auth::Signed, object("s3:AbortMultipartUpload"), abort_multipart_upload}},
    {Place::Object, method(verb::get), "uploadId",
     {"ListParts", Auth::Signed, object("s3:ListMultipartUploadParts"), list_parts}},
    {Place::Object, method(verb::put), "tagging",
     {"PutObjectTagging", Auth::Signed, object("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
      put_object_tagging}},
    {Place::Object, method(verb::get), "tagging",
     {"GetObjectTagging", Auth::Signed, object("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
      get_object_tagging}},
    {Place::Object, method(verb::delete_), "tagging",
     {"DeleteObjectTagging", Auth::Signed, object("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
      delete_object_tagging}},
    {Place::Object, method(verb::get), "attributes",
     {"GetObjectAttributes", Auth::Signed, object("s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"),
      get_object_attributes}},
    {Place::Object, method(verb::put), "retention",
     {"PutObjectRetention", Auth::Signed, object("s3:PutObjectRetention"), put_object_retention}},
    {Place::Object, method(verb::get), "retention",
     {"GetObjectRetention", Auth::Signed, object("s3:GetObjectRetention"), get_object_retention}},
    {Place::Object, method(verb::put), "legal-hold",
     {"PutObjectLegalHold", Auth::Signed, object("s3:PutObjectLegalHold"), put_object_legal_hold}},
    {Place::Object, method(verb::get), "legal-hold",
     {"GetObjectLegalHold", Auth::Signed, object("s3:GetObjectLegalHold"), get_object_legal_hold}},
    {Place::Object, method(verb::put), "acl",
     {"PutObjectAcl", Auth::Signed, object("s3:PutObjectAcl", "s3:PutObjectVersionAcl"), put_object_acl}},
    {Place::Object, method(verb::get), "acl",
     {"GetObjectAcl", Auth::Signed, object("s3:GetObjectAcl", "s3:GetObjectVersionAcl"), get_object_acl}},
    {Place::Object, method(verb::put), "header:x-amz-copy-source",
     {"CopyObject", Auth::Signed, object("s3:PutObject"), copy_object}},
    {Place::Object, method(verb::put), "", {"PutObject", Auth::Signed, object("s3:PutObject"), put_object}},
    {Place::Object, method(verb::get), "",
     {"GetObject", Auth::Signed, object("s3:GetObject", "s3:GetObjectVersion"), get_object}},
    {Place::Object, method(verb::head), "",
     {"HeadObject", Auth::Signed, object("s3:GetObject", "s3:GetObjectVersion"), head_object}},
    {Place::Object, method(verb::delete_), "",
     {"DeleteObject", Auth::Signed, object("s3:DeleteObject", "s3:DeleteObjectVersion"), delete_object}},
};
// clang-format on

constexpr bool is_path_place(Place p) {
  return p == Place::Path || p == Place::PathTree || p == Place::PathPrefix;
}

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
  if (cond == "any") return true;
  if (cond == "form") return req.query.empty() && req.header_value("content-type").rfind("multipart/form-data", 0) == 0;
  if (cond.rfind("header:", 0) == 0) return req.has_header(cond.substr(7));
  size_t eq = cond.find('=');
  if (eq == std::string_view::npos) return req.has_query(cond);
  const std::string* v = req.query_value(cond.substr(0, eq));
  return v && *v == cond.substr(eq + 1);
}

bool matches(const Row& row, const S3Request& req) {
  if (row.what.empty()) return !names_subresource(req);
  std::string_view rest = row.what;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    if (!condition_holds(rest.substr(0, amp), req)) return false;
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
  return true;
}

bool path_matches(const Row& row, std::string_view path) {
  switch (row.place) {
    case Place::Path: return path == row.what;
    case Place::PathTree:
      return path.rfind(row.what, 0) == 0 && (path.size() == row.what.size() || path[row.what.size()] == '/');
    case Place::PathPrefix: return path.rfind(row.what, 0) == 0;
    default: return false;
  }
}

}  // namespace

std::string_view iam_action(const Endpoint& e, const S3Request& req) {
  const std::string* v = req.query_value("versionId");
  if (v && !v->empty() && !e.iam.versioned.empty()) return e.iam.versioned;
  return e.iam.action;
}

const Endpoint* route_own(http::verb method_, std::string_view target, bool console) {
  const std::string_view path = target.substr(0, target.find('?'));
  for (const auto& row : kRows) {
    if (!is_path_place(row.place) || !(row.methods & method(method_)) || !path_matches(row, path)) continue;
    if (!console && row.endpoint.auth == Auth::ConsoleSession) continue;
    return &row.endpoint;
  }
  return nullptr;
}

Routed route(const S3Request& req) {
  const Place level = req.bucket.empty() ? Place::Service : req.has_key ? Place::Object : Place::Bucket;
  bool known_method = false;
  for (const auto& row : kRows) {
    if (is_path_place(row.place) || !(row.methods & method(req.method))) continue;
    if (row.place != level && row.place != Place::AnyLevel) continue;
    known_method = true;
    if (!matches(row, req)) continue;
    // A header asking for what silt does not do is refused before anyone acts on the
    // request. POST Object refuses its form fields itself; a preflight acts on nothing.
    if (row.endpoint.auth == Auth::Signed)
      if (auto st = refuse_unsupported(row.endpoint.operation, req); !st) return {&row.endpoint, st.error()};
    return {&row.endpoint, {}};
  }
  if (known_method || names_subresource(req))
    return {nullptr, s3::Error(s3::Code::NotImplemented,
                               "A header or query you provided implies functionality that is not implemented.")};
  if (req.method == http::verb::post || req.method == http::verb::options)
    return {nullptr, s3::Error(s3::Code::NotImplemented, "This operation is not implemented.")};
  return {nullptr, s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.")};
}

std::vector<const Endpoint*> endpoints() {
  std::vector<const Endpoint*> out;
  for (const auto& row : kRows) out.push_back(&row.endpoint);
  return out;
}

std::vector<std::string_view> operation_names() {
  std::vector<std::string_view> names;
  for (const auto& row : kRows)
    if (std::find(names.begin(), names.end(), row.endpoint.operation) == names.end())
      names.push_back(row.endpoint.operation);
  return names;
}

}  // namespace silt::server
