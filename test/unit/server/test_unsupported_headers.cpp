// The table of refused headers as the router applies it (server/s3/unsupported_headers.h).
#include <catch2/catch.hpp>

#include "server/s3/router.h"
#include "server/s3/s3_request.h"
#include "server/s3/unsupported_headers.h"

using namespace silt::server;

namespace {

struct Outcome {
  std::string code;  // the route's operation name, or the refusal's S3 code
  std::string header;
};

Outcome routed(http::verb v, std::string target, std::vector<std::pair<std::string, std::string>> headers,
               bool tls = false) {
  RequestHeader h;
  h.method(v);
  h.target(target);
  h.set(http::field::host, "127.0.0.1:9000");
  for (auto& [k, val] : headers) h.set(k, val);
  auto req = parse_s3_request(h, "");
  REQUIRE(req.ok());
  req->secure_transport = tls;
  auto r = route(*req);
  if (r.error) return {std::string(r.endpoint->operation), ""};
  const s3::Error& e = r.error.error();
  auto it = e.extra.find("Header");
  return {std::string(s3::code_name(e.code)), it == e.extra.end() ? "" : it->second};
}

std::string code(http::verb v, std::string target, std::vector<std::pair<std::string, std::string>> headers,
                 bool tls = false) {
  return routed(v, std::move(target), std::move(headers), tls).code;
}

using http::verb;

}  // namespace

TEST_CASE("SSE-C: refused over http, served by its operations over https") {
  const std::vector<std::pair<std::string, std::string>> ssec = {
      {"x-amz-server-side-encryption-customer-algorithm", "AES256"},
      {"x-amz-server-side-encryption-customer-key", "a2V5"},
      {"x-amz-server-side-encryption-customer-key-MD5", "bWQ1"}};
  CHECK(code(verb::put, "/b/k", ssec) == "InvalidRequest");
  CHECK(code(verb::put, "/b/k", ssec, true) == "PutObject");
  CHECK(code(verb::post, "/b/k?uploads", ssec, true) == "CreateMultipartUpload");
  CHECK(code(verb::put, "/b/k?partNumber=1&uploadId=u", ssec, true) == "UploadPart");
  CHECK(code(verb::get, "/b/k", ssec) == "InvalidRequest");
  CHECK(code(verb::get, "/b/k", ssec, true) == "GetObject");
  CHECK(code(verb::head, "/b/k", ssec, true) == "HeadObject");
  CHECK(code(verb::get, "/b/k?attributes", ssec) == "InvalidRequest");
  CHECK(code(verb::get, "/b/k?attributes", ssec, true) == "GetObjectAttributes");
  // Any one of the three is enough, in any case.
  CHECK(code(verb::put, "/b/k", {{"X-Amz-Server-Side-Encryption-Customer-Key-MD5", "x"}}) == "InvalidRequest");
  // The copy source's key on a copy.
  const std::vector<std::pair<std::string, std::string>> src = {
      {"x-amz-copy-source", "/b/src"}, {"x-amz-copy-source-server-side-encryption-customer-algorithm", "AES256"}};
  CHECK(code(verb::put, "/b/k", src) == "InvalidRequest");
  CHECK(code(verb::put, "/b/k", src, true) == "CopyObject");
  CHECK(code(verb::put, "/b/k?partNumber=1&uploadId=u", src, true) == "UploadPartCopy");
}

TEST_CASE("SSE-S3 and SSE-KMS reach their operations, with their context and bucket keys") {
  // The handler decides on the value (server/s3/sse.h): the table does not refuse it.
  for (auto value : {"AES256", "aws:kms", "aws:kms:dsse", ""})
    CHECK(code(verb::put, "/b/k", {{"x-amz-server-side-encryption", value}}) == "PutObject");
  CHECK(code(verb::post, "/b/k?uploads", {{"x-amz-server-side-encryption-aws-kms-key-id", "arn"}}) ==
        "CreateMultipartUpload");
  // Served since issue 19 items 1-2 (server/s3/sse.h).
  CHECK(code(verb::put, "/b/k", {{"x-amz-copy-source", "/b/s"}, {"x-amz-server-side-encryption-context", "e30="}}) ==
        "CopyObject");
  CHECK(code(verb::put, "/b/k", {{"x-amz-server-side-encryption-bucket-key-enabled", "TRUE"}}) == "PutObject");
  CHECK(code(verb::put, "/b/k", {{"x-amz-server-side-encryption-bucket-key-enabled", "false"}}) == "PutObject");
}

TEST_CASE("Object Lock headers reach their handlers (docs/object-lock.md), POST Object's form fields too") {
  for (auto h : {"x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date", "x-amz-object-lock-legal-hold"}) {
    CHECK(code(verb::put, "/b/k", {{h, "x"}}) == "PutObject");
    CHECK(code(verb::post, "/b/k?uploads", {{h, "x"}}) == "CreateMultipartUpload");
    CHECK(code(verb::put, "/b/k", {{"x-amz-copy-source", "/b/s"}, {h, "x"}}) == "CopyObject");
    CHECK(refuse_unsupported("PostObject", false, {{h, "x"}}).ok());
  }
  CHECK(code(verb::put, "/b", {{"x-amz-bucket-object-lock-enabled", "True"}}) == "CreateBucket");
  CHECK(code(verb::put, "/b", {{"x-amz-bucket-object-lock-enabled", "false"}}) == "CreateBucket");
}

TEST_CASE("grants, ownership, website redirects, appends and ETag conditions; conditional deletes pass") {
  // Grants are served since issue 19 item 4: their operations check them (auth/acl.h).
  CHECK(code(verb::put, "/b/k", {{"x-amz-grant-read", "uri=\"x\""}}) == "PutObject");
  CHECK(code(verb::put, "/b/k?acl", {{"x-amz-grant-full-control", "id=\"a\""}}) == "PutObjectAcl");
  CHECK(code(verb::put, "/b?acl", {{"x-amz-grant-write", "id=\"a\""}}) == "PutBucketAcl");
  CHECK(code(verb::put, "/b", {{"x-amz-grant-read-acp", "id=\"a\""}}) == "CreateBucket");
  CHECK(refuse_unsupported("PostObject", false, {{"x-amz-grant-read", "uri=\"x\""}}).ok());
  // Object Ownership on CreateBucket is served since issue 19 (test_bucket_apis.py).
  CHECK(code(verb::put, "/b", {{"x-amz-object-ownership", "BucketOwnerEnforced"}}) == "CreateBucket");
  CHECK(code(verb::put, "/b/k", {{"x-amz-website-redirect-location", "/x"}}) == "NotImplemented");
  CHECK(code(verb::put, "/b/k", {{"x-amz-write-offset-bytes", "0"}}) == "NotImplemented");
  CHECK(code(verb::put, "/b/k", {{"if-none-match", "\"abc\""}}) == "NotImplemented");
  CHECK(code(verb::put, "/b/k", {{"if-none-match", "*"}}) == "PutObject");
  CHECK(code(verb::put, "/b/k", {{"if-none-match", "\"*\""}}) == "PutObject");
  CHECK(code(verb::put, "/b/k", {{"if-match", "\"abc\""}}) == "PutObject");
  // Conditional deletes are decided by the delete itself (index/write_conditions.h).
  CHECK(code(verb::delete_, "/b/k", {{"if-match", "\"abc\""}}) == "DeleteObject");
  CHECK(code(verb::delete_, "/b/k", {{"x-amz-if-match-size", "3"}}) == "DeleteObject");
  CHECK(code(verb::delete_, "/b/k", {{"x-amz-if-match-last-modified-time", "Sat, 01 Jan 2000 00:00:00 GMT"}}) ==
        "DeleteObject");
}

TEST_CASE("what real clients send by default is routed as before") {
  const std::vector<std::pair<std::string, std::string>> botocore = {{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
                                                                     {"x-amz-date", "20250101T000000Z"},
                                                                     {"x-amz-checksum-crc32", "AAAAAA=="},
                                                                     {"x-amz-sdk-checksum-algorithm", "CRC32"},
                                                                     {"x-amz-acl", "bucket-owner-full-control"},
                                                                     {"x-amz-storage-class", "STANDARD"},
                                                                     {"x-amz-tagging", "a=b"},
                                                                     {"x-amz-meta-mtime", "1"},
                                                                     {"x-amz-request-payer", "requester"},
                                                                     {"x-amz-expected-bucket-owner", "alice"},
                                                                     {"if-match", "\"abc\""},
                                                                     {"x-amz-checksum-type", "FULL_OBJECT"}};
  CHECK(code(verb::put, "/b/k", botocore) == "PutObject");
  CHECK(code(verb::put, "/b/k", botocore, true) == "PutObject");
  CHECK(code(verb::post, "/b/k?uploads", botocore) == "CreateMultipartUpload");
  // A GET carrying encryption headers only SSE-C names is not refused for them.
  CHECK(code(verb::get, "/b/k", {{"x-amz-server-side-encryption", "AES256"}}) == "GetObject");
  CHECK(code(verb::get, "/b", {{"x-amz-server-side-encryption-customer-key", "k"}}) == "ListObjects");
}

TEST_CASE("POST Object's form fields go through the same rows") {
  std::vector<SentField> fields = {{"key", "k"}, {"X-Amz-Website-Redirect-Location", "/x"}};
  auto st = refuse_unsupported("PostObject", false, fields);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == s3::Code::NotImplemented);
  // The form's encryption is the handler's (PutObject's rules); SSE-C needs https.
  fields = {{"X-Amz-Server-Side-Encryption", "AES256"}};
  CHECK(refuse_unsupported("PostObject", false, fields).ok());
  fields = {{"x-amz-server-side-encryption-customer-key", "k"}};
  CHECK(refuse_unsupported("PostObject", false, fields).error().code == s3::Code::InvalidRequest);
  CHECK(refuse_unsupported("PostObject", true, fields).ok());
  fields = {{"key", "k"}, {"acl", "public-read"}, {"x-amz-meta-a", "b"}, {"x-amz-storage-class", "STANDARD"}};
  CHECK(refuse_unsupported("PostObject", false, fields).ok());
}

TEST_CASE("every row names a lower-case header, operations the router knows, and a refusal or 'served'") {
  auto ops = operation_names();
  for (const auto& row : unsupported_headers()) {
    CAPTURE(row.header);
    for (char c : row.header) CHECK_FALSE((c >= 'A' && c <= 'Z'));
    CHECK_FALSE(row.operations.empty());
    for (auto op : row.operations) CHECK((op == "PostObject" || std::find(ops.begin(), ops.end(), op) != ops.end()));
    // Plain http never serves what a row names (SSE-C is served over TLS only).
    CHECK_FALSE(row.over_http.served);
    for (const auto* a : {&row.over_http, &row.over_https}) {
      if (a->served) continue;
      CHECK(s3::http_status(a->code) >= 400);
      CHECK_FALSE(a->message.empty());
    }
  }
}
