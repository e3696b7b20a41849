#include "server/s3/cors.h"

#include <algorithm>
#include <cctype>
#include <pugixml.hpp>

#include "util/http_field.h"
#include "util/strings.h"

namespace silt::server {

namespace {
// S3 allows one '*' anywhere in an origin or header pattern.
bool wildcard_match(std::string_view pattern, std::string_view value) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return iequals(pattern, value);
  std::string_view pre = pattern.substr(0, star), post = pattern.substr(star + 1);
  return value.size() >= pre.size() + post.size() && iequals(value.substr(0, pre.size()), pre) &&
         iequals(value.substr(value.size() - post.size()), post);
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s = s.substr(comma + 1);
  }
  return out;
}

// A rule's values end up in Access-Control-* response headers (or are matched against
// request headers): each must be something a header can carry.
s3::Status check_values(std::string_view element, const std::vector<std::string>& values, bool names) {
  for (const auto& v : values)
    if (names ? !is_field_name(v) : !is_field_value(v))
      return s3::Error(s3::Code::InvalidRequest,
                       std::string(element) + (names ? " must be an HTTP header name (or a pattern of one)."
                                                     : " must not contain control characters."));
  return {};
}

}  // namespace

s3::Result<std::vector<CorsRule>> parse_cors(std::string_view xml) {
  auto malformed =
      s3::Error(s3::Code::MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema.");
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return malformed;
  auto root = doc.child("CORSConfiguration");
  if (!root) return malformed;
  std::vector<CorsRule> rules;
  for (auto r : root.children("CORSRule")) {
    CorsRule rule;
    for (auto n : r.children("AllowedOrigin")) rule.origins.emplace_back(n.child_value());
    for (auto n : r.children("AllowedMethod")) rule.methods.emplace_back(n.child_value());
    for (auto n : r.children("AllowedHeader")) rule.headers.emplace_back(n.child_value());
    for (auto n : r.children("ExposeHeader")) rule.expose.emplace_back(n.child_value());
    if (auto m = r.child("MaxAgeSeconds")) rule.max_age = m.text().as_int(-1);
    if (rule.origins.empty() || rule.methods.empty()) return malformed;
    for (auto st : {check_values("AllowedOrigin", rule.origins, false),
                    check_values("AllowedHeader", rule.headers, true), check_values("ExposeHeader", rule.expose, true)})
      if (!st) return st.error();
    for (const auto& m : rule.methods)
      if (m != "GET" && m != "PUT" && m != "POST" && m != "DELETE" && m != "HEAD")
        return s3::Error(s3::Code::InvalidRequest,
                         "Found unsupported HTTP method in CORS config. Unsupported method is " + m);
    rules.push_back(std::move(rule));
  }
  if (rules.empty() || rules.size() > 100) return malformed;
  return rules;
}

const CorsRule* match_cors(const std::vector<CorsRule>& rules, std::string_view origin, std::string_view method,
                           std::string_view request_headers) {
  auto wanted = split_list(request_headers);
  for (const auto& rule : rules) {
    bool origin_ok = std::any_of(rule.origins.begin(), rule.origins.end(),
                                 [&](const std::string& o) { return wildcard_match(o, origin); });
    bool method_ok = std::find(rule.methods.begin(), rule.methods.end(), method) != rule.methods.end();
    bool headers_ok = std::all_of(wanted.begin(), wanted.end(), [&](const std::string& h) {
      return std::any_of(rule.headers.begin(), rule.headers.end(),
                         [&](const std::string& a) { return wildcard_match(a, h); });
    });
    if (origin_ok && method_ok && headers_ok) return &rule;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> cors_headers(const CorsRule& rule, std::string_view origin,
                                                              bool preflight, std::string_view request_headers) {
  std::vector<std::pair<std::string, std::string>> h;
  bool any_origin = std::find(rule.origins.begin(), rule.origins.end(), "*") != rule.origins.end();
  h.emplace_back("Access-Control-Allow-Origin", any_origin ? "*" : std::string(origin));
  if (!any_origin) h.emplace_back("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  h.emplace_back("Access-Control-Allow-Methods", join(rule.methods, ", "));
  if (preflight && !request_headers.empty())
    h.emplace_back("Access-Control-Allow-Headers", std::string(request_headers));
  if (!rule.expose.empty()) h.emplace_back("Access-Control-Expose-Headers", join(rule.expose, ", "));
  if (preflight && rule.max_age >= 0) h.emplace_back("Access-Control-Max-Age", std::to_string(rule.max_age));
  if (!any_origin) h.emplace_back("Access-Control-Allow-Credentials", "true");
  return h;
}

}  // namespace silt::server
