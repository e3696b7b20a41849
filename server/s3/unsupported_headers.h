// What silt refuses: every request header (and POST Object form field of the same name)
// that asks for a protection or a behaviour silt does not implement. A client told "yes"
// must get what it asked for; a request asking for server-side encryption, Object Lock,
// a static website redirect, ... therefore gets the S3 error AWS gives for an unavailable
// feature instead of a 200 for bytes stored without it.
//
// The table (unsupported_headers.cpp) is the one list: the router consults it for every
// routed request, after routing (a row names operations) and before authorization; POST
// Object consults it with its form fields. docs/security.md ("What silt refuses") shows
// the same rows, and test/integration/test_trust_refusals.py checks that it does.
//
// Headers that ask for a check silt does perform are not here: x-amz-expected-bucket-owner
// and x-amz-source-expected-bucket-owner (server/s3/access_check.cpp), x-amz-mp-object-size
// (CompleteMultipartUpload), If-Match on writes, the x-amz-checksum-* it can compute.
#pragma once

#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "server/s3/s3_request.h"

namespace silt::server {

// Which values of a header ask for the missing feature.
enum class Asks {
  AnyValue,  // present at all, even empty
  NotStar,   // anything but "*" (an ETag where silt only supports "*")
};

struct Answer {
  s3::Code code;  // its status is common/error.h's http_status()
  std::string_view message;
  bool served = false;  // not a refusal: the operation does this (SSE-C over TLS)
};

struct Refusal {
  std::string_view header;                       // lower case; a trailing '*' makes it a prefix
  std::span<const std::string_view> operations;  // router operation names ("PostObject": form fields)
  Asks asks;
  Answer over_http;   // SSE-C's answer depends on the transport,
  Answer over_https;  // every other row gives the same one twice
};

// Every row, in the order they are tried (the first that applies answers).
std::span<const Refusal> unsupported_headers();

// A field as sent: (name in any case, value).
using SentField = std::pair<std::string_view, std::string_view>;

// The first row that refuses operation with these fields; ok when none does.
// secure: the request arrived over TLS.
s3::Status refuse_unsupported(std::string_view operation, bool secure, const std::vector<SentField>& fields);

// The same for a routed request's headers.
s3::Status refuse_unsupported(std::string_view operation, const S3Request& req);

}  // namespace silt::server
