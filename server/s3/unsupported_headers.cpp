#include "server/s3/unsupported_headers.h"

#include <algorithm>
#include <string>

#include "util/strings.h"

namespace silt::server {

namespace {

using Ops = std::string_view;

// Who a row applies to. Object writes are the operations whose request headers in AWS's
// API reference carry the feature; PostObject stands for the form's fields.
constexpr Ops kObjectWrites[] = {"PutObject", "CopyObject", "CreateMultipartUpload", "PostObject"};
// SSE-C is implemented for these (server/s3/sse.h), over TLS only.
constexpr Ops kSseCServed[] = {
    "PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload",
    "GetObject", "HeadObject", "GetObjectAttributes",   "PostObject"};
constexpr Ops kCopies[] = {"CopyObject", "UploadPartCopy"};
constexpr Ops kConditionalWrites[] = {"PutObject", "CopyObject", "CompleteMultipartUpload"};
constexpr Ops kPutObject[] = {"PutObject"};

// AWS's own words where AWS refuses the same request; otherwise AWS's NotImplemented
// sentence followed by what silt does not do, so the client's log says why.
constexpr Answer kSseCInsecure{s3::Code::InvalidRequest,
                               "Requests specifying Server Side Encryption with Customer provided keys must be made "
                               "over a secure connection."};
// Over TLS the operation itself takes the customer's key (server/s3/sse.h).
constexpr Answer kServed{s3::Code::InvalidRequest, "", true};
constexpr Answer kWebsite{s3::Code::NotImplemented,
                          "A header you provided implies functionality that is not implemented: silt does not host "
                          "static websites, so it keeps no website redirect."};
constexpr Answer kIfNoneMatch{s3::Code::NotImplemented, "If-None-Match on writes supports only *"};
constexpr Answer kAppend{s3::Code::NotImplemented,
                         "A header you provided implies functionality that is not implemented: silt does not append "
                         "to objects (x-amz-write-offset-bytes)."};

constexpr Refusal kTable[] = {
    // Server-side encryption with customer-provided keys: the key travels with each request.
    {"x-amz-server-side-encryption-customer-*", kSseCServed, Asks::AnyValue, kSseCInsecure, kServed},
    {"x-amz-copy-source-server-side-encryption-customer-*", kCopies, Asks::AnyValue, kSseCInsecure, kServed},
    {"x-amz-website-redirect-location", kObjectWrites, Asks::AnyValue, kWebsite, kWebsite},
    // If-None-Match on writes takes "*" only, as on AWS (its API reference: "Expects the '*'
    // character"); appends do not exist.
    {"if-none-match", kConditionalWrites, Asks::NotStar, kIfNoneMatch, kIfNoneMatch},
    {"x-amz-write-offset-bytes", kPutObject, Asks::AnyValue, kAppend, kAppend},
};

bool names(std::string_view pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.size() >= pattern.size() && iequals(name.substr(0, pattern.size()), pattern);
  }
  return iequals(name, pattern);
}

bool asks(Asks a, std::string_view value) {
  switch (a) {
    case Asks::AnyValue: return true;
    case Asks::NotStar: {
      // As write_conditions() reads it: "*" may come quoted.
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value != "*";
    }
  }
  return true;
}

// Only these can name a row; the header path keeps nothing else.
bool may_be_refused(std::string_view name) {
  return (name.size() > 6 && iequals(name.substr(0, 6), "x-amz-")) ||
         (name.size() > 3 && iequals(name.substr(0, 3), "if-"));
}

}  // namespace

std::span<const Refusal> unsupported_headers() {
  return kTable;
}

s3::Status refuse_unsupported(std::string_view operation, bool secure, const std::vector<SentField>& fields) {
  for (const auto& row : kTable) {
    if (std::find(row.operations.begin(), row.operations.end(), operation) == row.operations.end()) continue;
    for (const auto& [name, value] : fields) {
      if (!names(row.header, name) || !asks(row.asks, value)) continue;
      const Answer& a = secure ? row.over_https : row.over_http;
      if (a.served) continue;
      return s3::Error(a.code, std::string(a.message)).with("Header", to_lower(name));
    }
  }
  return {};
}

s3::Status refuse_unsupported(std::string_view operation, const S3Request& req) {
  if (!req.header) return {};
  std::vector<SentField> fields;
  for (const auto& [name, value] : req.fields())
    if (may_be_refused(name)) fields.emplace_back(name, value);
  return refuse_unsupported(operation, req.secure_transport, fields);
}

}  // namespace silt::server
