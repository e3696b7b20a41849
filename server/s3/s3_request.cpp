#include "server/s3/s3_request.h"

#include <cctype>

#include "common/object_model.h"
#include "util/http_field.h"
#include "util/strings.h"
#include "util/uri.h"
#include "util/utf8.h"

namespace silt::server {

std::string object_url(const S3Request& req) {
  std::string path = req.virtual_host ? "" : "/" + uri_encode(req.bucket, true);
  path += "/" + uri_encode(req.key, true);
  std::string_view host = req.header ? req.header_value("host") : std::string_view{};
  if (host.empty()) return path;
  return std::string(req.secure_transport ? "https://" : "http://") + std::string(host) + path;
}

namespace {
const std::pair<std::string, std::string>* find_query_header(const S3Request& r, std::string_view name) {
  for (const auto& qh : r.query_headers)
    if (iequals(qh.first, name)) return &qh;
  return nullptr;
}
}  // namespace

std::string_view S3Request::header_value(std::string_view name) const {
  if (header)
    if (auto it = header->find(name); it != header->end()) return it->value();
  const auto* qh = find_query_header(*this, name);
  return qh ? std::string_view(qh->second) : std::string_view{};
}

bool S3Request::has_header(std::string_view name) const {
  return (header && header->find(name) != header->end()) || find_query_header(*this, name);
}

std::vector<std::pair<std::string_view, std::string_view>> S3Request::fields() const {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  if (header)
    for (const auto& f : *header) out.emplace_back(f.name_string(), f.value());
  for (const auto& [k, v] : query_headers) out.emplace_back(k, v);
  return out;
}

bool S3Request::has_query(std::string_view name) const {
  return query_value(name) != nullptr;
}

const std::string* S3Request::query_value(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return &v;
  return nullptr;
}

std::string S3Request::resource() const {
  std::string r = "/" + bucket;
  if (has_key) r += "/" + key;
  return r;
}

namespace {
// The X-Amz-* parameters that carry a presigned URL's authentication, not a header.
bool is_auth_parameter(std::string_view lname) {
  static constexpr std::string_view kAuth[] = {"x-amz-algorithm",      "x-amz-credential",    "x-amz-date",
                                               "x-amz-expires",        "x-amz-signedheaders", "x-amz-signature",
                                               "x-amz-security-token", "x-amz-content-sha256"};
  for (auto a : kAuth)
    if (lname == a) return true;
  return false;
}

bool is_presigned(const std::vector<std::pair<std::string, std::string>>& query) {
  bool v4 = false, v2_key = false, v2_sig = false;
  for (const auto& [k, v] : query) {
    v4 = v4 || k == "X-Amz-Signature";
    v2_key = v2_key || k == "AWSAccessKeyId";
    v2_sig = v2_sig || k == "Signature";
  }
  return v4 || (v2_key && v2_sig);
}

// A presigned URL's x-amz-* parameters become headers, as in S3 (the JS SDK's presigner
// moves x-amz-acl, x-amz-meta-*, x-amz-server-side-encryption ... into the query): left
// unread, a URL asking for a guarantee silt refuses would get it silently not given.
s3::Status hoist_query_headers(S3Request& r) {
  if (!is_presigned(r.query)) return {};
  for (const auto& [k, v] : r.query) {
    std::string lname = to_lower(k);
    if (lname.rfind("x-amz-", 0) != 0 || is_auth_parameter(lname)) continue;
    // A header of that name acts instead: authentication refuses it unless it was signed
    // (SigV4) or agrees with the parameter (SigV2).
    if (r.header->find(lname) != r.header->end()) continue;
    if (!is_field_value(v))
      return s3::Error(s3::Code::InvalidArgument, "Header value cannot contain control characters.")
          .with("ArgumentName", lname);
    r.query_headers.emplace_back(std::move(lname), v);
  }
  return {};
}

bool ends_with_domain(std::string_view host, std::string_view domain, std::string_view& bucket) {
  if (domain.empty() || host.size() <= domain.size() + 1) return false;
  if (host.substr(host.size() - domain.size()) != domain) return false;
  if (host[host.size() - domain.size() - 1] != '.') return false;
  bucket = host.substr(0, host.size() - domain.size() - 1);
  return true;
}
}  // namespace

s3::Result<S3Request> parse_s3_request(const RequestHeader& h, std::string_view domain) {
  S3Request r;
  r.header = &h;
  r.method = h.method();
  r.target = std::string(h.target());
  if (r.target.empty() || r.target[0] != '/')
    return s3::Error(s3::Code::InvalidRequest, "The request target must be an absolute path.");
  size_t q = r.target.find('?');
  r.raw_path = r.target.substr(0, q);
  if (q != std::string::npos) r.raw_query = r.target.substr(q + 1);
  r.query = parse_query(r.raw_query);

  std::string path = uri_decode(r.raw_path);
  // S3 answers a path that does not decode to UTF-8 this way; stored, such a key would
  // make every listing of its bucket invalid XML. U+0000 likewise: no XML can carry it
  // (not even as &#0;), so a listing would cut the key there, and no file name holds it.
  if (!valid_utf8(path) || path.find('\0') != std::string::npos)
    return s3::Error(s3::Code::InvalidURI, "Couldn't parse the specified URI.");
  std::string_view host = h[http::field::host];
  host =
      host.substr(0, host.rfind(':') == std::string_view::npos || host.back() == ']' ? host.size() : host.rfind(':'));
  std::string_view vhost_bucket;
  if (ends_with_domain(host, domain, vhost_bucket)) {
    // The Host header is not checked like the path: a non-UTF-8 name would be echoed
    // into error XML that must be UTF-8 (found by fuzz_request_target).
    if (!valid_utf8(vhost_bucket)) return s3::Error(s3::Code::InvalidBucketName, "The specified bucket is not valid.");
    r.bucket = std::string(vhost_bucket);
    r.virtual_host = true;
    if (path.size() > 1) {
      r.has_key = true;
      r.key = path.substr(1);
    }
  } else {
    size_t slash = path.find('/', 1);
    r.bucket = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
    if (slash != std::string::npos && slash + 1 < path.size()) {
      r.has_key = true;
      r.key = path.substr(slash + 1);
    }
  }
  if (r.has_key && r.key.size() > kMaxKeyLength) return s3::Error(s3::Code::KeyTooLongError, "Your key is too long");
  if (auto st = hoist_query_headers(r); !st) return st.error();
  return r;
}

}  // namespace silt::server
