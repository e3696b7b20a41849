// The verify step of `silt admin migrate` (cmd/migrate.h): asks the old server and a gateway
// of the cluster the same signed S3 requests and compares the answers byte for byte:
// ListBuckets (names, CreationDates), every page of ListObjectVersions and of
// ListMultipartUploads of every bucket, every page of ListParts of each upload in progress,
// and every bucket document (policy, lifecycle,
// CORS, ACL, tagging, versioning, Object Lock, encryption, public access block, ownership,
// location). Only what must differ is taken out: the RequestId and HostId elements of an
// error document (a bucket without a policy answers NoSuchBucketPolicy on both). Response
// headers are not compared (Date, x-amz-request-id).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cmd/admin_client.h"

namespace silt {

struct S3Target {
  admin::Endpoint ep;
  admin::Credentials creds;
  std::string region;
};

struct VerifyReport {
  uint64_t buckets = 0;
  uint64_t pages = 0;                    // ListObjectVersions pages compared
  uint64_t versions = 0;                 // versions and delete markers in them
  uint64_t documents = 0;                // bucket documents compared, and ListBuckets
  uint64_t uploads = 0;                  // uploads in progress whose ListParts pages were compared
  std::vector<std::string> differences;  // what differs, one line each (the first 50)
  uint64_t differing = 0;
};

// Compares the buckets named (a failed request is a difference). on_page(versions) after
// each page, for a progress line.
VerifyReport verify_migration(const S3Target& old, const S3Target& cluster, const std::vector<std::string>& buckets,
                              const std::function<void(uint64_t)>& on_page);

}  // namespace silt
