#include <catch2/catch.hpp>

#include "common/object_model.h"
#include "server/s3/router.h"
#include "server/s3/s3_request.h"

using namespace silt::server;

namespace {
RequestHeader header(http::verb v, std::string target, std::string host = "127.0.0.1:9000") {
  RequestHeader h;
  h.method(v);
  h.target(target);
  h.set(http::field::host, host);
  return h;
}

std::string op(http::verb v, std::string target, std::vector<std::pair<std::string, std::string>> extra = {}) {
  auto h = header(v, std::move(target));
  for (auto& [k, val] : extra) h.set(k, val);
  auto req = parse_s3_request(h, "");
  REQUIRE(req.ok());
  auto r = route(*req);
  if (!r.error) return std::string(s3::code_name(r.error.error().code));
  return std::string(r.endpoint->operation);
}
}  // namespace

TEST_CASE("path-style addressing keeps the key exactly, percent-decoded", "[request]") {
  auto h = header(http::verb::get, "/bucket/a%20b/..//c%2Bd?x-id=GetObject");
  auto r = parse_s3_request(h, "");
  REQUIRE(r.ok());
  CHECK(r->bucket == "bucket");
  CHECK(r->key == "a b/..//c+d");
  CHECK(r->has_key);
  CHECK(r->raw_query == "x-id=GetObject");
  CHECK(*r->query_value("x-id") == "GetObject");
}

TEST_CASE("virtual-host addressing only for the configured domain", "[request]") {
  auto h = header(http::verb::get, "/photos/1.jpg", "bucket.s3.local:9000");
  auto r = parse_s3_request(h, "s3.local");
  REQUIRE(r.ok());
  CHECK(r->bucket == "bucket");
  CHECK(r->key == "photos/1.jpg");
  // A docker service name is never mistaken for bucket.domain.
  auto h2 = header(http::verb::get, "/b/k", "s3:9000");
  auto r2 = parse_s3_request(h2, "s3.local");
  REQUIRE(r2.ok());
  CHECK(r2->bucket == "b");
  CHECK(r2->key == "k");
}

TEST_CASE("keys over 1024 bytes are refused", "[request]") {
  auto h = header(http::verb::put, "/b/" + std::string(1025, 'k'));
  auto r = parse_s3_request(h, "");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == s3::Code::KeyTooLongError);
}

TEST_CASE("paths and virtual-host buckets that are not UTF-8 are refused", "[request]") {
  for (std::string target : {"/b/%FF", "/b/a%C3", "/b/%C0%AF", "/b/%ED%A0%80", "/%FF/k", "/b/\xff"}) {
    auto r = parse_s3_request(header(http::verb::get, target), "");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == s3::Code::InvalidURI);
  }
  auto ok = parse_s3_request(header(http::verb::get, "/b/d%C3%A9j%C3%A0/%F0%9F%99%82"), "");
  REQUIRE(ok.ok());
  CHECK(ok->key == "d\xC3\xA9j\xC3\xA0/\xF0\x9F\x99\x82");
  auto vhost = parse_s3_request(header(http::verb::get, "/k", "my.\xf3ucket.s3.local"), "s3.local");
  REQUIRE_FALSE(vhost.ok());
  CHECK(vhost.error().code == s3::Code::InvalidBucketName);
}

TEST_CASE("the router table names every operation", "[router]") {
  using http::verb;
  CHECK(op(verb::get, "/") == "ListBuckets");
  CHECK(op(verb::put, "/b") == "CreateBucket");
  CHECK(op(verb::head, "/b") == "HeadBucket");
  CHECK(op(verb::delete_, "/b") == "DeleteBucket");
  CHECK(op(verb::get, "/b?location") == "GetBucketLocation");
  CHECK(op(verb::get, "/b?list-type=2&prefix=a") == "ListObjectsV2");
  CHECK(op(verb::get, "/b?prefix=a&encoding-type=url") == "ListObjects");
  CHECK(op(verb::post, "/b?delete") == "DeleteObjects");
  CHECK(op(verb::put, "/b/k") == "PutObject");
  CHECK(op(verb::put, "/b/k", {{"x-amz-copy-source", "/b/j"}}) == "CopyObject");
  CHECK(op(verb::get, "/b/k?x-id=GetObject") == "GetObject");
  CHECK(op(verb::get, "/b/k?versionId=null") == "GetObject");
  CHECK(op(verb::head, "/b/k") == "HeadObject");
  CHECK(op(verb::delete_, "/b/k") == "DeleteObject");
  CHECK(op(verb::delete_, "/b/k?versionId=3HL4kqtJ") == "DeleteObject");
  CHECK(op(verb::get, "/b/k?partNumber=2") == "GetObject");
  CHECK(op(verb::get, "/b?versions&prefix=a") == "ListObjectVersions");
  CHECK(op(verb::get, "/b?uploads") == "ListMultipartUploads");
  CHECK(op(verb::put, "/b?versioning") == "PutBucketVersioning");
  CHECK(op(verb::get, "/b?versioning") == "GetBucketVersioning");
  CHECK(op(verb::put, "/b?cors") == "PutBucketCors");
  CHECK(op(verb::get, "/b?cors") == "GetBucketCors");
  CHECK(op(verb::delete_, "/b?cors") == "DeleteBucketCors");
  CHECK(op(verb::post, "/b/k?uploads") == "CreateMultipartUpload");
  CHECK(op(verb::put, "/b/k?partNumber=1&uploadId=u") == "UploadPart");
  CHECK(op(verb::put, "/b/k?partNumber=1&uploadId=u", {{"x-amz-copy-source", "b/j"}}) == "UploadPartCopy");
  CHECK(op(verb::post, "/b/k?uploadId=u") == "CompleteMultipartUpload");
  CHECK(op(verb::delete_, "/b/k?uploadId=u") == "AbortMultipartUpload");
  CHECK(op(verb::get, "/b/k?uploadId=u") == "ListParts");
  CHECK(op(verb::put, "/b/k?tagging") == "PutObjectTagging");
  CHECK(op(verb::get, "/b/k?tagging&versionId=v") == "GetObjectTagging");
  CHECK(op(verb::delete_, "/b/k?tagging") == "DeleteObjectTagging");
  CHECK(op(verb::get, "/b/k?attributes") == "GetObjectAttributes");
  CHECK(op(verb::get, "/b/k?acl") == "GetObjectAcl");
  CHECK(op(verb::put, "/b/k?acl&versionId=v") == "PutObjectAcl");
  CHECK(op(verb::get, "/b?acl") == "GetBucketAcl");
  CHECK(op(verb::put, "/b?acl") == "PutBucketAcl");
  CHECK(op(verb::put, "/b?policy") == "PutBucketPolicy");
  CHECK(op(verb::get, "/b?policy") == "GetBucketPolicy");
  CHECK(op(verb::delete_, "/b?policy") == "DeleteBucketPolicy");
  CHECK(op(verb::get, "/b?policyStatus") == "GetBucketPolicyStatus");
  CHECK(op(verb::put, "/b?lifecycle") == "PutBucketLifecycleConfiguration");
  CHECK(op(verb::get, "/b?lifecycle") == "GetBucketLifecycleConfiguration");
  CHECK(op(verb::delete_, "/b?lifecycle") == "DeleteBucketLifecycle");
  CHECK(op(verb::options, "/b/k") == "Preflight");
  CHECK(op(verb::post, "/b", {{"content-type", "multipart/form-data; boundary=x"}}) == "PostObject");
  CHECK(op(verb::put, "/b?object-lock") == "PutObjectLockConfiguration");
  CHECK(op(verb::get, "/b?object-lock") == "GetObjectLockConfiguration");
  CHECK(op(verb::put, "/b/k?retention") == "PutObjectRetention");
  CHECK(op(verb::get, "/b/k?retention&versionId=v") == "GetObjectRetention");
  CHECK(op(verb::put, "/b/k?legal-hold") == "PutObjectLegalHold");
  CHECK(op(verb::get, "/b/k?legal-hold") == "GetObjectLegalHold");
}

TEST_CASE("operations silt does not serve are NotImplemented, never a wrong 200", "[router]") {
  using http::verb;
  CHECK(op(verb::get, "/b?website") == "NotImplemented");
  CHECK(op(verb::put, "/b?replication") == "NotImplemented");
  CHECK(op(verb::post, "/b/k?legal-hold") == "NotImplemented");
  CHECK(op(verb::post, "/b?policy") == "NotImplemented");
  CHECK(op(verb::get, "/b/k?torrent") == "NotImplemented");
  CHECK(op(verb::get, "/b?list-type=1") == "NotImplemented");
  CHECK(op(verb::put, "/") == "MethodNotAllowed");
}

TEST_CASE("bucket names follow S3's rules", "[request]") {
  for (auto ok : {"abc", "my-bucket.1", "a1b"}) CHECK(silt::valid_bucket_name(ok));
  CHECK(silt::valid_bucket_name(std::string(63, 'a')));
  for (auto bad : {"ab", "Abc", "-abc", "abc-", "a..b", "a.-b", "192.168.1.1", "a_b", "_silt", ""})
    CHECK_FALSE(silt::valid_bucket_name(bad));
  CHECK_FALSE(silt::valid_bucket_name(std::string(64, 'a')));
}
