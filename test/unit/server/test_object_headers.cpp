#include <catch2/catch.hpp>

#include "server/s3/handlers/object_headers.h"
#include "util/time.h"

using namespace silt;
using namespace silt::server;

namespace {
struct Req {
  RequestHeader h;
  S3Request r;
  explicit Req(std::initializer_list<std::pair<std::string, std::string>> headers) {
    h.method(http::verb::get);
    h.target("/b/k");
    for (auto& [k, v] : headers) h.insert(k, v);
    r.header = &h;
  }
};

ObjectInfo object() {
  ObjectInfo o;
  o.etag = "d41d8cd98f00b204e9800998ecf8427e";
  o.mtime_ms = *parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") + 250;
  return o;
}

s3::Code outcome(std::initializer_list<std::pair<std::string, std::string>> headers, std::string prefix = "") {
  Req q(headers);
  auto st = check_conditions(q.r, object(), prefix);
  return st ? s3::Code::InternalError : st.error().code;  // InternalError stands for "passed" here
}
constexpr auto passed = s3::Code::InternalError;
}  // namespace

TEST_CASE("If-Match and If-None-Match compare ETags with or without quotes", "[conditions]") {
  CHECK(outcome({{"If-Match", "\"d41d8cd98f00b204e9800998ecf8427e\""}}) == passed);
  CHECK(outcome({{"If-Match", "d41d8cd98f00b204e9800998ecf8427e"}}) == passed);
  CHECK(outcome({{"If-Match", "\"other\", \"d41d8cd98f00b204e9800998ecf8427e\""}}) == passed);
  CHECK(outcome({{"If-Match", "\"other\""}}) == s3::Code::PreconditionFailed);
  CHECK(outcome({{"If-None-Match", "\"d41d8cd98f00b204e9800998ecf8427e\""}}) == s3::Code::NotModified);
  CHECK(outcome({{"If-None-Match", "*"}}) == s3::Code::NotModified);
  CHECK(outcome({{"If-None-Match", "\"other\""}}) == passed);
}

TEST_CASE("date conditions compare whole seconds", "[conditions]") {
  CHECK(outcome({{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"}}) == s3::Code::NotModified);
  CHECK(outcome({{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}) == passed);
  CHECK(outcome({{"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"}}) == passed);
  CHECK(outcome({{"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}) == s3::Code::PreconditionFailed);
}

TEST_CASE("If-Match that holds wins over a failing If-Unmodified-Since, as S3 documents", "[conditions]") {
  CHECK(outcome({{"If-Match", "d41d8cd98f00b204e9800998ecf8427e"},
                 {"If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"}}) == passed);
}

TEST_CASE("copy-source conditions answer 412, never 304", "[conditions]") {
  CHECK(outcome({{"x-amz-copy-source-if-none-match", "d41d8cd98f00b204e9800998ecf8427e"}}, "x-amz-copy-source-") ==
        s3::Code::PreconditionFailed);
  CHECK(outcome({{"x-amz-copy-source-if-match", "\"nope\""}}, "x-amz-copy-source-") == s3::Code::PreconditionFailed);
  CHECK(outcome({{"x-amz-copy-source-if-match", "\"d41d8cd98f00b204e9800998ecf8427e\""}}, "x-amz-copy-source-") ==
        passed);
}

TEST_CASE("metadata from a PUT: user metadata lowercased, aws-chunked never stored", "[metadata]") {
  Req q({{"X-Amz-Meta-Mtime", "1700000000.5"},
         {"Content-Type", "text/csv"},
         {"Content-Encoding", "gzip,aws-chunked"},
         {"Cache-Control", "no-cache"}});
  auto m = meta_from_request(q.r);
  REQUIRE(m.ok());
  CHECK(m->content_type == "text/csv");
  CHECK(m->content_encoding == "gzip");
  CHECK(m->cache_control == "no-cache");
  REQUIRE(m->user.size() == 1);
  CHECK(m->user[0].first == "mtime");
  CHECK(m->user[0].second == "1700000000.5");

  Req only_chunked({{"Content-Encoding", "aws-chunked"}});
  CHECK(meta_from_request(only_chunked.r)->content_encoding.empty());
}

TEST_CASE("user metadata over 2 KiB is MetadataTooLarge; the storage class is kept as sent", "[metadata]") {
  Req big({{"x-amz-meta-big", std::string(2100, 'x')}});
  auto m = meta_from_request(big.r);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == s3::Code::MetadataTooLarge);
  // Which classes exist is the object layer's to say (InvalidStorageClass there).
  Req sc({{"x-amz-storage-class", "STANDARD_IA"}});
  CHECK(meta_from_request(sc.r)->storage_class == "STANDARD_IA");
  Req none({{"x-amz-meta-a", "1"}});
  CHECK(meta_from_request(none.r)->storage_class == "STANDARD");
}
