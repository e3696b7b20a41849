#include "server/s3/object_lock.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <initializer_list>
#include <pugixml.hpp>
#include <vector>

#include "server/s3/handlers/request_xml.h"
#include "util/strings.h"
#include "util/time.h"
#include "util/utf8.h"
#include "util/xml.h"

namespace silt::server {

namespace {

bool load_lock_xml(pugi::xml_document& doc, std::string_view xml) {
  // A NUL would cut the text pugixml sees short of what was signed.
  return !xml_has_nul(xml) && doc.load_buffer(xml.data(), xml.size());
}

bool valid_mode(std::string_view m) {
  return m == "GOVERNANCE" || m == "COMPLIANCE";
}

// Element names of n's children, each at most once and all in allowed.
bool children_within(pugi::xml_node n, std::initializer_list<std::string_view> allowed) {
  std::vector<std::string_view> seen;
  for (auto c : n.children()) {
    if (c.type() == pugi::node_comment) continue;
    if (c.type() != pugi::node_element) {
      if (c.type() == pugi::node_pcdata && trim(c.value()).empty()) continue;
      return false;
    }
    std::string_view name = c.name();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) return false;
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) return false;
    seen.push_back(name);
  }
  return true;
}

s3::Error invalid_argument(std::string message) {
  return s3::Error(s3::Code::InvalidArgument, std::move(message));
}

s3::Result<int64_t> future_date(std::string_view text, int64_t now_ms) {
  auto t = parse_iso8601(text);
  if (!t) return invalid_argument("The retain until date is not a valid ISO 8601 date.");
  if (*t <= now_ms) return invalid_argument("The retain until date must be in the future!");
  return *t;
}

// A positive period of at most 100 years, as AWS bounds it.
std::optional<int> period(const char* text, int max) {
  std::string_view v = text;
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n <= 0 || n > max) return std::nullopt;
  return n;
}

constexpr int64_t kDayMs = 86400000;

}  // namespace

s3::Result<ObjectLockConfiguration> parse_object_lock_configuration(std::string_view xml) {
  pugi::xml_document doc;
  if (!load_lock_xml(doc, xml)) return malformed_xml();
  auto root = doc.child("ObjectLockConfiguration");
  if (!root || !children_within(root, {"ObjectLockEnabled", "Rule"})) return malformed_xml();
  if (std::string_view(root.child_value("ObjectLockEnabled")) != "Enabled") return malformed_xml();
  ObjectLockConfiguration out;
  auto rule = root.child("Rule");
  if (!rule) return out;
  auto d = rule.child("DefaultRetention");
  if (!children_within(rule, {"DefaultRetention"}) || !d || !children_within(d, {"Mode", "Days", "Years"}))
    return malformed_xml();
  DefaultRetention r;
  r.mode = d.child_value("Mode");
  if (!valid_mode(r.mode)) return malformed_xml();
  const bool has_days = d.child("Days"), has_years = d.child("Years");
  if (has_days == has_years) return malformed_xml();
  auto n = has_days ? period(d.child_value("Days"), 36500) : period(d.child_value("Years"), 100);
  if (!n) return invalid_argument("Default retention period must be a positive integer value.");
  (has_days ? r.days : r.years) = *n;
  out.retention = r;
  return out;
}

std::string object_lock_configuration_xml(const ObjectLockConfiguration& c) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "ObjectLockConfiguration");
  add_text(root, "ObjectLockEnabled", "Enabled");
  if (c.retention) {
    auto d = root.append_child("Rule").append_child("DefaultRetention");
    add_text(d, "Mode", c.retention->mode);
    if (c.retention->days) add_text(d, "Days", std::to_string(c.retention->days));
    if (c.retention->years) add_text(d, "Years", std::to_string(c.retention->years));
  }
  return to_string(doc);
}

s3::Result<ObjectLock> parse_retention(std::string_view xml, int64_t now_ms) {
  pugi::xml_document doc;
  if (!load_lock_xml(doc, xml)) return malformed_xml();
  auto root = doc.child("Retention");
  if (!root || !children_within(root, {"Mode", "RetainUntilDate"})) return malformed_xml();
  ObjectLock out;
  const bool has_mode = root.child("Mode"), has_date = root.child("RetainUntilDate");
  if (has_mode != has_date) return malformed_xml();
  if (!has_mode) return out;
  out.mode = root.child_value("Mode");
  if (!valid_mode(out.mode)) return malformed_xml();
  auto t = future_date(root.child_value("RetainUntilDate"), now_ms);
  if (!t) return t.error();
  out.retain_until_ms = *t;
  return out;
}

std::string retention_xml(const ObjectLock& lock) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "Retention");
  add_text(root, "Mode", lock.mode);
  add_text(root, "RetainUntilDate", iso8601_ms(lock.retain_until_ms));
  return to_string(doc);
}

s3::Result<bool> parse_legal_hold(std::string_view xml) {
  pugi::xml_document doc;
  if (!load_lock_xml(doc, xml)) return malformed_xml();
  auto root = doc.child("LegalHold");
  if (!root || !children_within(root, {"Status"}) || !root.child("Status")) return malformed_xml();
  std::string_view v = root.child_value("Status");
  if (v != "ON" && v != "OFF") return malformed_xml();
  return v == "ON";
}

std::string legal_hold_xml(bool on) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "LegalHold");
  add_text(root, "Status", on ? "ON" : "OFF");
  return to_string(doc);
}

s3::Result<std::optional<ObjectLock>> lock_from_headers(const S3Request& req, int64_t now_ms) {
  const bool has_mode = req.has_header("x-amz-object-lock-mode");
  const bool has_date = req.has_header("x-amz-object-lock-retain-until-date");
  const bool has_hold = req.has_header("x-amz-object-lock-legal-hold");
  if (!has_mode && !has_date && !has_hold) return std::optional<ObjectLock>();
  if (has_mode != has_date)
    return invalid_argument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied");
  ObjectLock out;
  if (has_mode) {
    out.mode = std::string(req.header_value("x-amz-object-lock-mode"));
    if (!valid_mode(out.mode)) return invalid_argument("Unknown wormMode directive.");
    auto t = future_date(req.header_value("x-amz-object-lock-retain-until-date"), now_ms);
    if (!t) return t.error();
    out.retain_until_ms = *t;
  }
  if (has_hold) {
    std::string_view v = req.header_value("x-amz-object-lock-legal-hold");
    if (v != "ON" && v != "OFF") return invalid_argument("Legal Hold must be either of 'ON' or 'OFF'");
    out.legal_hold = v == "ON";
    out.legal_hold_set = true;
  }
  return std::optional<ObjectLock>(out);
}

ObjectLock default_lock(const DefaultRetention& d, int64_t now_ms) {
  ObjectLock out;
  out.mode = d.mode;
  if (d.days) {
    out.retain_until_ms = now_ms + d.days * kDayMs;
  } else {
    // Calendar years, as AWS counts them: the same day and time, d.years later.
    using namespace std::chrono;
    const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(now_ms)));
    const year_month_day ymd(day);
    year_month_day later = ymd + years(d.years);
    if (!later.ok()) later = later.year() / later.month() / last;  // 29 February
    out.retain_until_ms = now_ms + duration_cast<milliseconds>(sys_days(later) - day).count();
  }
  return out;
}

bool asks_bypass_governance(const S3Request& req) {
  return iequals(req.header_value("x-amz-bypass-governance-retention"), "true");
}

}  // namespace silt::server
