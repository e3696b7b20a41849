#include "server/s3/handlers/object_headers.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "server/s3/handlers/acl_headers.h"
#include "server/s3/handlers/tags.h"
#include "util/http_field.h"
#include "util/parse.h"
#include "util/strings.h"
#include "util/time.h"

namespace silt::server {

namespace {
constexpr size_t kMaxUserMetadata = 2048;  // S3's limit on x-amz-meta-* names plus values

struct ContentHeader {
  std::string_view name;
  std::string ObjectMeta::*field;
};
const ContentHeader kContentHeaders[] = {
    {"content-type", &ObjectMeta::content_type},
    {"content-encoding", &ObjectMeta::content_encoding},
    {"content-disposition", &ObjectMeta::content_disposition},
    {"content-language", &ObjectMeta::content_language},
    {"cache-control", &ObjectMeta::cache_control},
    {"expires", &ObjectMeta::expires},
};

// botocore appends ",aws-chunked" to a client's Content-Encoding; it describes the
// transfer, never the object, so it must not be stored (clients.md X-PAY-02).
std::string strip_aws_chunked(std::string_view enc) {
  std::string out;
  while (!enc.empty()) {
    size_t comma = enc.find(',');
    std::string_view part = enc.substr(0, comma);
    enc = comma == std::string_view::npos ? std::string_view{} : enc.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty() || to_lower(part) == "aws-chunked") continue;
    if (!out.empty()) out += ",";
    out += part;
  }
  return out;
}

std::string_view unquote(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  if (s.rfind("W/", 0) == 0) return unquote(s.substr(2));
  return s;
}

// Only POST form fields can carry these: HTTP's parser refuses them in request headers.
s3::Error not_a_header_value(std::string_view name) {
  return s3::Error(s3::Code::InvalidArgument, "Header value cannot contain control characters.")
      .with("ArgumentName", std::string(name));
}

// A header holding a comma-separated list of ETags (If-Match: "a", "b").
bool any_etag_matches(std::string_view list, std::string_view etag) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (etag_matches(list.substr(0, comma), etag)) return true;
    if (comma == std::string_view::npos) break;
    list = list.substr(comma + 1);
  }
  return false;
}
}  // namespace

s3::Result<ObjectMeta> meta_from_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  ObjectMeta m;
  for (const auto& ch : kContentHeaders) {
    auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return iequals(f.first, ch.name); });
    if (it == fields.end()) continue;
    if (!is_field_value(it->second)) return not_a_header_value(ch.name);
    m.*ch.field = it->second;
  }
  size_t user_bytes = 0;
  for (const auto& [field, value] : fields) {
    std::string name = to_lower(field);
    if (name.rfind("x-amz-meta-", 0) != 0) continue;
    // Each one comes back as a header of its own on every GET and HEAD.
    if (!is_field_name(name))
      return s3::Error(s3::Code::InvalidArgument, "User metadata names must be valid HTTP header names.");
    if (!is_field_value(value)) return not_a_header_value(name);
    m.user.emplace_back(name.substr(11), value);
    user_bytes += name.size() - 11 + value.size();
  }
  if (user_bytes > kMaxUserMetadata)
    return s3::Error(s3::Code::MetadataTooLarge, "Your metadata headers exceed the maximum allowed metadata size.");
  // Which classes exist is the object layer's to say (create_object / create_upload).
  for (const auto& [field, value] : fields) {
    if (!iequals(field, "x-amz-storage-class") || value.empty()) continue;
    if (!is_field_value(value)) return not_a_header_value("x-amz-storage-class");
    m.storage_class = value;
  }
  return m;
}

s3::Result<ObjectMeta> meta_from_request(const S3Request& req) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [name, value] : req.fields()) fields.emplace_back(std::string(name), std::string(value));
  auto m = meta_from_fields(fields);
  if (!m) return m;
  m->content_encoding = strip_aws_chunked(m->content_encoding);
  auto tags = tags_from_header(req.header_value("x-amz-tagging"));
  if (!tags) return tags.error();
  m->tags = std::move(*tags);
  auto acl = acl_from_request(req);
  if (!acl) return acl.error();
  m->acl = std::move(*acl);
  return m;
}

std::string quoted_etag(std::string_view etag) {
  return "\"" + std::string(etag) + "\"";
}

bool etag_matches(std::string_view sent, std::string_view etag) {
  sent = unquote(sent);
  return sent == "*" || sent == etag;
}

void add_object_headers(Response& r, const ObjectInfo& info) {
  r.add("ETag", quoted_etag(info.etag));
  r.add("Last-Modified", http_date(info.mtime_ms));
  r.add("Accept-Ranges", "bytes");
  r.add("Content-Type", info.meta.content_type.empty() ? "binary/octet-stream" : info.meta.content_type);
  for (const auto& ch : kContentHeaders) {
    if (ch.name == "content-type") continue;
    const std::string& v = info.meta.*ch.field;
    if (!v.empty()) r.add(std::string(ch.name), v);
  }
  for (const auto& [k, v] : info.meta.user) r.add("x-amz-meta-" + k, v);
  if (!info.meta.storage_class.empty() && info.meta.storage_class != "STANDARD")
    r.add("x-amz-storage-class", info.meta.storage_class);
  if (!info.meta.tags.empty()) r.add("x-amz-tagging-count", std::to_string(info.meta.tags.size()));
  add_version_header(r, info);
}

void add_lock_headers(Response& r, const ObjectLock& lock, bool retention, bool legal_hold) {
  if (retention && !lock.mode.empty()) {
    r.add("x-amz-object-lock-mode", lock.mode);
    r.add("x-amz-object-lock-retain-until-date", iso8601_ms(lock.retain_until_ms));
  }
  if (legal_hold && lock.legal_hold) r.add("x-amz-object-lock-legal-hold", "ON");
}

void add_version_header(Response& r, const ObjectInfo& info) {
  if (!info.version_id.empty() && info.version_id != "null") r.add("x-amz-version-id", info.version_id);
}

s3::Result<WriteConditions> write_conditions(const S3Request& req) {
  WriteConditions c;
  if (auto none = req.header_value("if-none-match"); !none.empty()) {
    if (unquote(none) != "*") return s3::Error(s3::Code::NotImplemented, "If-None-Match on writes supports only *");
    c.if_none_match_any = true;
  }
  if (auto match = req.header_value("if-match"); !match.empty()) c.if_match = std::string(unquote(match));
  return c;
}

s3::Result<DeleteConditions> delete_conditions(const S3Request& req) {
  DeleteConditions c;
  auto invalid = [](const char* name) {
    return s3::Error(s3::Code::InvalidArgument, std::string("Invalid value for header ") + name)
        .with("ArgumentName", name);
  };
  if (req.has_header("if-match")) {
    c.if_match = std::string(req.header_value("if-match"));
    if (unquote(c.if_match).empty()) return invalid("If-Match");
  }
  if (req.has_header("x-amz-if-match-last-modified-time")) {
    auto ms = parse_http_date(req.header_value("x-amz-if-match-last-modified-time"));
    if (!ms) return invalid("x-amz-if-match-last-modified-time");
    c.mtime_s = *ms / 1000;
  }
  if (req.has_header("x-amz-if-match-size")) {
    auto n = parse_u64(req.header_value("x-amz-if-match-size"));
    if (!n || *n > static_cast<uint64_t>(INT64_MAX)) return invalid("x-amz-if-match-size");
    c.size = static_cast<int64_t>(*n);
  }
  return c;
}

void add_checksum_headers(Response& r, const ObjectInfo& info) {
  for (const auto& [algo, value] : info.meta.checksums) r.add("x-amz-checksum-" + to_lower(algo), value);
  if (!info.meta.checksums.empty())
    r.add("x-amz-checksum-type", info.meta.checksum_type.empty() ? "FULL_OBJECT" : info.meta.checksum_type);
}

s3::Status check_conditions(const S3Request& req, const ObjectInfo& info, std::string_view prefix) {
  auto h = [&](std::string_view name) { return req.header_value(std::string(prefix) + std::string(name)); };
  const bool copy = !prefix.empty();
  auto failed = [] {
    return s3::Error(s3::Code::PreconditionFailed, "At least one of the pre-conditions you specified did not hold");
  };
  auto not_modified = [&] { return copy ? failed() : s3::Error(s3::Code::NotModified, "Not Modified"); };
  // Last-Modified has second resolution on the wire, so compare whole seconds.
  int64_t mtime_s = info.mtime_ms / 1000;

  auto if_match = h("if-match");
  auto if_unmodified = h("if-unmodified-since");
  if (!if_match.empty()) {
    if (!any_etag_matches(if_match, info.etag)) return failed();
  } else if (!if_unmodified.empty()) {
    auto t = parse_http_date(if_unmodified);
    if (t && mtime_s > *t / 1000) return failed();
  }
  auto if_none = h("if-none-match");
  auto if_modified = h("if-modified-since");
  if (!if_none.empty()) {
    if (any_etag_matches(if_none, info.etag)) return not_modified();
  } else if (!if_modified.empty()) {
    auto t = parse_http_date(if_modified);
    if (t && mtime_s <= *t / 1000) return not_modified();
  }
  return {};
}

}  // namespace silt::server
