// One S3 request as the router and handlers see it: bucket and key resolved
// from path-style or virtual-host addressing, query decoded, headers as sent.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt::server {

namespace http = boost::beast::http;
using RequestHeader = http::request_header<>;

struct S3Request {
  // nullptr for a request built from other fields than its HTTP headers (a POST form's
  // encryption fields); header_value and has_header then read query_headers alone.
  const RequestHeader* header = nullptr;
  http::verb method = http::verb::unknown;
  std::string target;                                      // raw request-target, as signed
  std::string raw_path;                                    // before '?', still percent-encoded
  std::string raw_query;                                   // after '?'
  std::string bucket;                                      // empty: service level (ListBuckets)
  std::string key;                                         // decoded; empty: bucket level
  bool has_key = false;                                    // "/b/" has_key with an empty key is still bucket level
  bool virtual_host = false;                               // bucket taken from the Host header (--domain)
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string source_ip;                                   // the peer's address (aws:SourceIp)
  bool secure_transport = false;                           // arrived over TLS (aws:SecureTransport)

  // x-amz-* parameters of a presigned URL (lowercase names), which act as the headers of
  // that name: the SDKs' presigners move headers there, and the signature covers them.
  std::vector<std::pair<std::string, std::string>> query_headers;

  // A header as sent, or else a presigned URL's x-amz-* parameter of that name.
  std::string_view header_value(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // Every header field, then query_headers.
  std::vector<std::pair<std::string_view, std::string_view>> fields() const;
  bool has_query(std::string_view name) const;
  const std::string* query_value(std::string_view name) const;
  bool is_head() const { return method == http::verb::head; }
  std::string resource() const;  // "/bucket/key" for error XML
};

// The object's absolute URL as this request addressed it ("http://host:9000/bucket/key",
// or "http://bucket.domain/key" under virtual-host addressing), as AWS writes it into
// CompleteMultipartUploadResult's Location; the path alone when there is no Host.
std::string object_url(const S3Request& req);

// Splits the target and resolves addressing. domain: base domain for virtual-host
// style ("s3.local"); a Host of "<bucket>.<domain>[:port]" names the bucket.
s3::Result<S3Request> parse_s3_request(const RequestHeader& h, std::string_view domain);

}  // namespace silt::server
