#include "server/http/header_guard.h"

#include <algorithm>
#include <cstdio>

#include "util/http_field.h"
#include "util/strings.h"

namespace silt::server {

namespace {
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out += c;
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    }
  }
  return out;
}

bool has_header(const Response& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

// Chrome's and Safari's PDF viewers do not open in a sandboxed document (a blank page),
// and they run a PDF's own scripts apart from the origin that served it.
bool is_pdf(const Response& r) {
  std::string_view type;
  for (const auto& [k, v] : r.headers)
    if (iequals(k, "Content-Type")) type = v;
  if (!r.content_type.empty()) type = r.content_type;  // what Session::write sends when both are set
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return iequals(type, "application/pdf");
}
}  // namespace

std::optional<std::string> unsafe_header(const Response& r) {
  for (const auto& [name, value] : r.headers)
    if (!is_field_name(name) || !is_field_value(value)) return printable(name);
  if (!is_field_value(r.content_type)) return std::string("Content-Type");
  return std::nullopt;
}

void add_browser_defaults(Response& r) {
  if (!has_header(r, "X-Content-Type-Options")) r.add("X-Content-Type-Options", "nosniff");
  if (!has_header(r, "Content-Security-Policy") && !is_pdf(r)) r.add("Content-Security-Policy", "sandbox");
}

}  // namespace silt::server
