// Walks the endpoint table (server/s3/router.cpp): every row has an IAM action or an explicit
// "none", one function that answers it, and at least one sample request below that routes to
// it. A row added without a sample fails here, so a new endpoint never ships unrouted.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "server/s3/router.h"
#include "server/s3/s3_request.h"

using namespace silt::server;
using http::verb;

namespace {

struct Sample {
  verb method;
  std::string target;
  std::string_view operation;  // the row's label
  std::string_view action;     // the IAM action this request is decided as
  std::vector<std::pair<std::string, std::string>> headers = {};
};

// One or more per row, in the table's order; own endpoints first, then S3.
const std::vector<Sample>& samples() {
  static const std::vector<Sample> all = {
      {verb::get, "/_silt/metrics", "Metrics", kNoIamAction},
      {verb::get, "/minio/v2/metrics/cluster", "Metrics", kNoIamAction},
      {verb::head, "/minio/v2/metrics/node", "Metrics", kNoIamAction},
      {verb::get, "/_silt/health/live", "Health", kNoIamAction},
      {verb::head, "/_silt/health/ready", "Health", kNoIamAction},
      {verb::get, "/minio/health/live", "Health", kNoIamAction},
      {verb::get, "/minio/health/ready", "Health", kNoIamAction},
      {verb::get, "/minio/health/cluster?maintenance=true", "Health", kNoIamAction},
      {verb::head, "/minio/health/cluster/read", "Health", kNoIamAction},
      {verb::get, "/_silt/console", "Console", kNoIamAction},
      {verb::get, "/_silt/console/assets/console.js", "Console", kNoIamAction},
      {verb::post, "/_silt/console/api/login", "Console", kNoIamAction},
      {verb::get, "/_silt/admin/v1/users", "AdminUsers", kNoIamAction},
      {verb::put, "/_silt/admin/v1/users?accessKey=bob", "AdminUsers", kNoIamAction},
      {verb::get, "/_silt/admin/v1/usage?bucket=b", "AdminUsage", kNoIamAction},
      {verb::post, "/_silt/admin/v1/lifecycle/run", "AdminLifecycleRun", kNoIamAction},
      {verb::get, "/_silt/admin/v1/lifecycle/status", "AdminLifecycleStatus", kNoIamAction},
      {verb::get, "/_silt/admin/v1/lifecycle/simulate?bucket=b&days=30", "AdminLifecycleSimulate", kNoIamAction},
      {verb::get, "/_silt/admin/v1/status", "AdminStatus", kNoIamAction},
      {verb::post, "/_silt/admin/v1/heal/run?bucket=b", "AdminHealRun", kNoIamAction},
      {verb::get, "/_silt/admin/v1/heal/status", "AdminHealStatus", kNoIamAction},
      {verb::get, "/_silt/admin/v1/export/buckets", "AdminExportBuckets", kNoIamAction},
      {verb::get, "/_silt/admin/v1/export/versions?bucket=b", "AdminExportVersions", kNoIamAction},
      {verb::get, "/_silt/admin/v1/export/data?bucket=b&key=k&version-id=null", "AdminExportData", kNoIamAction},
      {verb::get, "/_silt/admin/v1/export/uploads?bucket=b", "AdminExportUploads", kNoIamAction},
      {verb::get, "/_silt/admin/v1/export/parts?bucket=b&key=k&upload-id=u", "AdminExportParts", kNoIamAction},
      {verb::get, "/_silt/admin/v1/export/part-data?bucket=b&key=k&upload-id=u&part-number=1", "AdminExportPartData",
       kNoIamAction},
      {verb::put, "/_silt/admin/v1/freeze", "AdminFreeze", kNoIamAction},
      {verb::get, "/_silt/admin/v2/usage", "Admin", kNoIamAction},
      {verb::get, "/_silt/admin/v1/nonesuch", "Admin", kNoIamAction},

      {verb::options, "/b/k", "Preflight", kNoIamAction},
      {verb::options, "/b?cors", "Preflight", kNoIamAction},
      {verb::post, "/b", "PostObject", "s3:PutObject", {{"content-type", "multipart/form-data; boundary=x"}}},
      {verb::get, "/", "ListBuckets", "s3:ListAllMyBuckets"},
      {verb::put, "/b", "CreateBucket", "s3:CreateBucket"},
      {verb::head, "/b", "HeadBucket", "s3:ListBucket"},
      {verb::delete_, "/b", "DeleteBucket", "s3:DeleteBucket"},
      {verb::get, "/b?location", "GetBucketLocation", "s3:GetBucketLocation"},
      {verb::get, "/b?list-type=2&prefix=a", "ListObjectsV2", "s3:ListBucket"},
      {verb::get, "/b?versions", "ListObjectVersions", "s3:ListBucketVersions"},
      {verb::get, "/b?uploads", "ListMultipartUploads", "s3:ListBucketMultipartUploads"},
      {verb::get, "/b?prefix=a", "ListObjects", "s3:ListBucket"},
      {verb::post, "/b?delete", "DeleteObjects", "s3:DeleteObject"},
      {verb::put, "/b?versioning", "PutBucketVersioning", "s3:PutBucketVersioning"},
      {verb::get, "/b?versioning", "GetBucketVersioning", "s3:GetBucketVersioning"},
      {verb::put, "/b?cors", "PutBucketCors", "s3:PutBucketCORS"},
      {verb::get, "/b?cors", "GetBucketCors", "s3:GetBucketCORS"},
      {verb::delete_, "/b?cors", "DeleteBucketCors", "s3:PutBucketCORS"},
      {verb::put, "/b?lifecycle", "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"},
      {verb::get, "/b?lifecycle", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"},
      {verb::delete_, "/b?lifecycle", "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration"},
      {verb::put, "/b?policy", "PutBucketPolicy", "s3:PutBucketPolicy"},
      {verb::get, "/b?policy", "GetBucketPolicy", "s3:GetBucketPolicy"},
      {verb::delete_, "/b?policy", "DeleteBucketPolicy", "s3:DeleteBucketPolicy"},
      {verb::get, "/b?policyStatus", "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"},
      {verb::put, "/b?publicAccessBlock", "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
      {verb::get, "/b?publicAccessBlock", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"},
      {verb::delete_, "/b?publicAccessBlock", "DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
      {verb::put, "/b?ownershipControls", "PutBucketOwnershipControls", "s3:PutBucketOwnershipControls"},
      {verb::get, "/b?ownershipControls", "GetBucketOwnershipControls", "s3:GetBucketOwnershipControls"},
      {verb::delete_, "/b?ownershipControls", "DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls"},
      {verb::put, "/b?object-lock", "PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration"},
      {verb::get, "/b?object-lock", "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"},
      {verb::put, "/b?encryption", "PutBucketEncryption", "s3:PutEncryptionConfiguration"},
      {verb::get, "/b?encryption", "GetBucketEncryption", "s3:GetEncryptionConfiguration"},
      {verb::delete_, "/b?encryption", "DeleteBucketEncryption", "s3:PutEncryptionConfiguration"},
      {verb::put, "/b?tagging", "PutBucketTagging", "s3:PutBucketTagging"},
      {verb::get, "/b?tagging", "GetBucketTagging", "s3:GetBucketTagging"},
      {verb::delete_, "/b?tagging", "DeleteBucketTagging", "s3:PutBucketTagging"},
      {verb::put, "/b?acl", "PutBucketAcl", "s3:PutBucketAcl"},
      {verb::get, "/b?acl", "GetBucketAcl", "s3:GetBucketAcl"},
      {verb::post, "/b/k?uploads", "CreateMultipartUpload", "s3:PutObject"},
      {verb::put, "/b/k?partNumber=1&uploadId=u", "UploadPartCopy", "s3:PutObject", {{"x-amz-copy-source", "b/j"}}},
      {verb::put, "/b/k?partNumber=1&uploadId=u", "UploadPart", "s3:PutObject"},
      {verb::post, "/b/k?uploadId=u", "CompleteMultipartUpload", "s3:PutObject"},
      {verb::delete_, "/b/k?uploadId=u", "AbortMultipartUpload", "s3:AbortMultipartUpload"},
      {verb::get, "/b/k?uploadId=u", "ListParts", "s3:ListMultipartUploadParts"},
      {verb::put, "/b/k?tagging", "PutObjectTagging", "s3:PutObjectTagging"},
      {verb::put, "/b/k?tagging&versionId=v", "PutObjectTagging", "s3:PutObjectVersionTagging"},
      {verb::get, "/b/k?tagging&versionId=v", "GetObjectTagging", "s3:GetObjectVersionTagging"},
      {verb::delete_, "/b/k?tagging", "DeleteObjectTagging", "s3:DeleteObjectTagging"},
      {verb::get, "/b/k?attributes&versionId=v", "GetObjectAttributes", "s3:GetObjectVersionAttributes"},
      {verb::put, "/b/k?acl", "PutObjectAcl", "s3:PutObjectAcl"},
      {verb::get, "/b/k?acl&versionId=v", "GetObjectAcl", "s3:GetObjectVersionAcl"},
      {verb::put, "/b/k?retention&versionId=v", "PutObjectRetention", "s3:PutObjectRetention"},
      {verb::get, "/b/k?retention", "GetObjectRetention", "s3:GetObjectRetention"},
      {verb::put, "/b/k?legal-hold", "PutObjectLegalHold", "s3:PutObjectLegalHold"},
      {verb::get, "/b/k?legal-hold&versionId=v", "GetObjectLegalHold", "s3:GetObjectLegalHold"},
      {verb::put, "/b/k", "CopyObject", "s3:PutObject", {{"x-amz-copy-source", "/b/j"}}},
      {verb::put, "/b/k", "PutObject", "s3:PutObject"},
      {verb::get, "/b/k", "GetObject", "s3:GetObject"},
      {verb::get, "/b/k?versionId=v", "GetObject", "s3:GetObjectVersion"},
      {verb::get, "/b/k?versionId=", "GetObject", "s3:GetObject"},
      {verb::head, "/b/k?versionId=v", "HeadObject", "s3:GetObjectVersion"},
      {verb::delete_, "/b/k", "DeleteObject", "s3:DeleteObject"},
      {verb::delete_, "/b/k?versionId=v", "DeleteObject", "s3:DeleteObjectVersion"},
  };
  return all;
}

struct Landed {
  const Endpoint* endpoint = nullptr;
  std::string action;
};

// Where the session sends the request: own endpoints by path, then the S3 table.
Landed land(const Sample& s) {
  RequestHeader h;
  h.method(s.method);
  h.target(s.target);
  h.set(http::field::host, "127.0.0.1:9000");
  for (const auto& [k, v] : s.headers) h.set(k, v);
  if (const Endpoint* own = route_own(s.method, s.target)) return {own, std::string(own->iam.action)};
  auto req = parse_s3_request(h, "");
  REQUIRE(req.ok());
  auto r = route(*req);
  REQUIRE(r.endpoint);
  CHECK(r.error.ok());
  return {r.endpoint, std::string(iam_action(*r.endpoint, *req))};
}

}  // namespace

TEST_CASE("every row has a label, an IAM action or an explicit none, and one function", "[endpoints]") {
  for (const Endpoint* e : endpoints()) {
    CAPTURE(e->operation);
    CHECK_FALSE(e->operation.empty());
    const bool s3 = e->handler.s3 != nullptr, own = e->handler.own != nullptr, admin = e->handler.admin != nullptr;
    CHECK(int(s3) + int(own) + int(admin) == 1);
    // The auth mode says who checks; the function's shape must fit it.
    switch (e->auth) {
      case Auth::Signed:
      case Auth::FormPolicy:
        CHECK(s3);
        CHECK(e->iam.action.rfind("s3:", 0) == 0);
        CHECK((e->iam.versioned.empty() || e->iam.versioned.rfind("s3:", 0) == 0));
        break;
      case Auth::None:
        CHECK((s3 || own));
        CHECK(e->iam.action == kNoIamAction);
        break;
      case Auth::MetricsToken:
      case Auth::ConsoleSession:
        CHECK(own);
        CHECK(e->iam.action == kNoIamAction);
        break;
      case Auth::AdminSigned:
        CHECK(admin);
        CHECK(e->iam.action == kNoIamAction);
        break;
    }
  }
}

TEST_CASE("every row has a sample request that routes to it, with its IAM action", "[endpoints]") {
  std::set<const Endpoint*> hit;
  for (const auto& s : samples()) {
    CAPTURE(s.target, s.operation);
    Landed l = land(s);
    REQUIRE(l.endpoint);
    CHECK(l.endpoint->operation == s.operation);
    CHECK(l.action == s.action);
    hit.insert(l.endpoint);
  }
  for (const Endpoint* e : endpoints()) {
    CAPTURE(e->operation);
    CHECK(hit.count(e) == 1);  // a row no sample reaches: add one above
  }
}

TEST_CASE("a refused header still names the operation it addressed", "[endpoints]") {
  RequestHeader h;
  h.method(verb::put);
  h.target("/b/k");
  h.set(http::field::host, "127.0.0.1:9000");
  h.set("x-amz-website-redirect-location", "/x");
  auto req = parse_s3_request(h, "");
  REQUIRE(req.ok());
  auto r = route(*req);
  REQUIRE(r.endpoint);
  CHECK(r.endpoint->operation == "PutObject");
  REQUIRE_FALSE(r.error.ok());
  CHECK(r.error.error().code == s3::Code::NotImplemented);
}

TEST_CASE("silt's own paths are not S3's, and S3's are not silt's", "[endpoints]") {
  // Health answers GET and HEAD; other methods are S3 requests for a bucket "minio".
  CHECK(route_own(verb::put, "/minio/health/live") == nullptr);
  CHECK(route_own(verb::get, "/minio/health/nonesuch") == nullptr);
  CHECK(route_own(verb::get, "/_silt/health/cluster") == nullptr);  // MinIO's paths only
  // The console's paths are its own only while there is a console.
  CHECK(route_own(verb::get, "/_silt/console/", true)->operation == "Console");
  CHECK(route_own(verb::get, "/_silt/console/", false) == nullptr);
  CHECK(route_own(verb::get, "/_silt/consoles") == nullptr);
  CHECK(route_own(verb::get, "/_silt/admin") == nullptr);
  CHECK(route_own(verb::get, "/_silt/metrics/x") == nullptr);
  CHECK(route_own(verb::get, "/b/k") == nullptr);
  // Every method reaches the metrics and admin rows, which refuse the wrong ones themselves.
  CHECK(route_own(verb::post, "/_silt/metrics")->operation == "Metrics");
  CHECK(route_own(verb::delete_, "/_silt/admin/v1/usage")->operation == "AdminUsage");
}
