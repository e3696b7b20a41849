// Which IAM action each routed S3 operation is, and which resource it acts on, following
// AWS's "Actions, resources, and condition keys for Amazon S3". Bucket policies name
// these actions; the evaluator (auth/access.h) matches them.
#pragma once

#include <string>
#include <string_view>

#include "server/s3/s3_request.h"

namespace silt::server {

struct IamTarget {
  std::string_view action;  // "s3:GetObject"; empty for an operation not in the table
  bool object = false;      // the resource is bucket/key, not the bucket
};

// operation: the router's name. Operations with a versionId take the *Version action
// where S3 has one (GetObject -> s3:GetObjectVersion, DeleteObject -> s3:DeleteObjectVersion).
IamTarget iam_target(std::string_view operation, const S3Request& req);

// "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key".
std::string resource_arn(std::string_view bucket, const std::string* key);

}  // namespace silt::server
