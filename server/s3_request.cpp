#include "server/s3_request.h"

#include <cctype>

#include "util/uri.h"
#include "util/utf8.h"

namespace silt::server {

std::string_view S3Request::header_value(std::string_view name) const {
  auto it = header->find(name);
  return it == header->end() ? std::string_view{} : std::string_view(it->value());
}

bool S3Request::has_header(std::string_view name) const {
  return header->find(name) != header->end();
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
  if (r.has_key && r.key.size() > 1024) return s3::Error(s3::Code::KeyTooLongError, "Your key is too long");
  return r;
}

bool valid_bucket_name(std::string_view n) {
  if (n.size() < 3 || n.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  bool all_digits_and_dots = true;
  for (size_t i = 0; i < n.size(); i++) {
    char c = n[i];
    if (!alnum(c) && c != '.' && c != '-') return false;
    if (c == '.' && (n[i - 1] == '.' || n[i - 1] == '-' || n[i + 1] == '-')) return false;
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) all_digits_and_dots = false;
  }
  return !all_digits_and_dots;  // "192.168.5.4" looks like an IP address
}

}  // namespace silt::server
