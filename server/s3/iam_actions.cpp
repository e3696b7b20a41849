#include "server/s3/iam_actions.h"

#include <array>

namespace silt::server {

namespace {

struct Entry {
  std::string_view operation;
  std::string_view action;
  std::string_view versioned;  // with ?versionId=; empty: same as action
  bool object;
};

// HeadObject is s3:GetObject and HeadBucket s3:ListBucket, as AWS documents them. Deleting
// a bucket's CORS or lifecycle configuration is its Put action in AWS's table too.
// UploadPart, UploadPartCopy, CompleteMultipartUpload and POST Object are s3:PutObject;
// DeleteObjects is checked per key as s3:DeleteObject(Version) by its handler.
constexpr std::array<Entry, 42> kTable = {{
    {"ListBuckets", "s3:ListAllMyBuckets", "", false},
    {"CreateBucket", "s3:CreateBucket", "", false},
    {"HeadBucket", "s3:ListBucket", "", false},
    {"DeleteBucket", "s3:DeleteBucket", "", false},
    {"GetBucketLocation", "s3:GetBucketLocation", "", false},
    {"ListObjects", "s3:ListBucket", "", false},
    {"ListObjectsV2", "s3:ListBucket", "", false},
    {"ListObjectVersions", "s3:ListBucketVersions", "", false},
    {"ListMultipartUploads", "s3:ListBucketMultipartUploads", "", false},
    {"DeleteObjects", "s3:DeleteObject", "", false},
    {"PutBucketVersioning", "s3:PutBucketVersioning", "", false},
    {"GetBucketVersioning", "s3:GetBucketVersioning", "", false},
    {"PutBucketCors", "s3:PutBucketCORS", "", false},
    {"GetBucketCors", "s3:GetBucketCORS", "", false},
    {"DeleteBucketCors", "s3:PutBucketCORS", "", false},
    {"PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration", "", false},
    {"GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", "", false},
    {"DeleteBucketLifecycle", "s3:PutLifecycleConfiguration", "", false},
    {"PutBucketPolicy", "s3:PutBucketPolicy", "", false},
    {"GetBucketPolicy", "s3:GetBucketPolicy", "", false},
    {"DeleteBucketPolicy", "s3:DeleteBucketPolicy", "", false},
    {"GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", "", false},
    {"PutBucketAcl", "s3:PutBucketAcl", "", false},
    {"GetBucketAcl", "s3:GetBucketAcl", "", false},
    {"CreateMultipartUpload", "s3:PutObject", "", true},
    {"UploadPartCopy", "s3:PutObject", "", true},
    {"UploadPart", "s3:PutObject", "", true},
    {"CompleteMultipartUpload", "s3:PutObject", "", true},
    {"AbortMultipartUpload", "s3:AbortMultipartUpload", "", true},
    {"ListParts", "s3:ListMultipartUploadParts", "", true},
    {"PutObjectTagging", "s3:PutObjectTagging", "s3:PutObjectVersionTagging", true},
    {"GetObjectTagging", "s3:GetObjectTagging", "s3:GetObjectVersionTagging", true},
    {"DeleteObjectTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", true},
    {"GetObjectAttributes", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", true},
    {"PutObjectAcl", "s3:PutObjectAcl", "s3:PutObjectVersionAcl", true},
    {"GetObjectAcl", "s3:GetObjectAcl", "s3:GetObjectVersionAcl", true},
    {"CopyObject", "s3:PutObject", "", true},
    {"PutObject", "s3:PutObject", "", true},
    {"PostObject", "s3:PutObject", "", true},
    {"GetObject", "s3:GetObject", "s3:GetObjectVersion", true},
    {"HeadObject", "s3:GetObject", "s3:GetObjectVersion", true},
    {"DeleteObject", "s3:DeleteObject", "s3:DeleteObjectVersion", true},
}};

}  // namespace

IamTarget iam_target(std::string_view operation, const S3Request& req) {
  for (const auto& e : kTable) {
    if (e.operation != operation) continue;
    const std::string* v = req.query_value("versionId");
    bool versioned = v && !v->empty() && !e.versioned.empty();
    return {versioned ? e.versioned : e.action, e.object};
  }
  return {};
}

std::string resource_arn(std::string_view bucket, const std::string* key) {
  std::string arn = "arn:aws:s3:::";
  arn += bucket;
  if (key) {
    arn += '/';
    arn += *key;
  }
  return arn;
}

}  // namespace silt::server
