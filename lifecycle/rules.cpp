#include "lifecycle/rules.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <map>
#include <pugixml.hpp>
#include <set>

#include "util/strings.h"
#include "util/time.h"
#include "util/utf8.h"
#include "util/xml.h"

namespace silt::lifecycle {

namespace {

constexpr size_t kMaxRules = 1000;
constexpr size_t kMaxIdChars = 255;
// The largest size a filter may name (S3: 1000 x 2^40 bytes).
constexpr int64_t kMaxFilterSize = 1099511627776000LL;
constexpr int64_t kDayMs = 86400000;

// The classes S3's schema allows a transition to name. STANDARD is not among them: objects
// start there, so S3 answers a transition to it as not validating against the schema.
constexpr std::string_view kTransitionClasses[] = {"GLACIER",      "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                                                   "DEEP_ARCHIVE", "GLACIER_IR"};

s3::Error malformed() {
  return s3::Error(s3::Code::MalformedXML,
                   "The XML you provided was not well-formed or did not validate against our published schema");
}
s3::Error invalid_argument(std::string msg) {
  return s3::Error(s3::Code::InvalidArgument, std::move(msg));
}
s3::Error invalid_request(std::string msg) {
  return s3::Error(s3::Code::InvalidRequest, std::move(msg));
}

// The schema check S3 does first: an element holds only the children its type names, and
// those not marked repeatable at most once.
bool children_allowed(pugi::xml_node n, std::initializer_list<std::string_view> allowed,
                      std::initializer_list<std::string_view> repeatable = {}) {
  std::map<std::string_view, int> seen;
  for (auto c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      if (!trim(c.value(), kXmlSpace).empty()) return false;  // text where only elements belong
      continue;
    }
    if (c.type() != pugi::node_element) continue;
    std::string_view name = c.name();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) return false;
    bool many = std::find(repeatable.begin(), repeatable.end(), name) != repeatable.end();
    if (++seen[name] > 1 && !many) return false;
  }
  return true;
}

// An xsd:int (Days and friends) or xsd:long (sizes); anything else does not validate.
std::optional<int64_t> parse_integer(pugi::xml_node n, int64_t lo, int64_t hi) {
  std::string_view s = trim(n.child_value(), kXmlSpace);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<int> parse_int(pugi::xml_node n) {
  auto v = parse_integer(n, INT32_MIN, INT32_MAX);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::optional<bool> parse_bool(pugi::xml_node n) {
  std::string_view s = trim(n.child_value(), kXmlSpace);
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  return std::nullopt;
}

int digits(std::string_view s, size_t pos, size_t len) {
  int v = 0;
  for (size_t i = pos; i < pos + len; i++) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// An xsd:dateTime as S3 takes a rule's Date: "2030-01-01", "2030-01-01T00:00:00Z",
// "...T00:00:00.000Z" or with an offset "+01:00" (no offset reads as UTC). Epoch ms.
std::optional<int64_t> parse_date(std::string_view s) {
  s = trim(s, kXmlSpace);
  int year = digits(s, 0, 4), mon = digits(s, 5, 2), day = digits(s, 8, 2);
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || year < 0 || mon < 1 || mon > 12 || day < 1 || day > 31)
    return std::nullopt;
  int h = 0, m = 0, sec = 0, ms = 0, offset_min = 0;
  size_t pos = 10;
  if (pos < s.size()) {
    if (s[pos] != 'T' || s.size() < pos + 9 || s[pos + 3] != ':' || s[pos + 6] != ':') return std::nullopt;
    h = digits(s, pos + 1, 2), m = digits(s, pos + 4, 2), sec = digits(s, pos + 7, 2);
    if (h < 0 || h > 24 || m < 0 || m > 59 || sec < 0 || sec > 60) return std::nullopt;
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      size_t start = ++pos;
      int scale = 100;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        ms += (s[pos] - '0') * scale;
        scale /= 10;
        pos++;
      }
      if (pos == start) return std::nullopt;
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z' && pos + 1 == s.size()) {
        pos++;
      } else if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
        int oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
        offset_min = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
        pos = s.size();
      } else {
        return std::nullopt;
      }
    }
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms - static_cast<int64_t>(offset_min) * 60000;
}

// The names a rule carries are echoed in GetBucketLifecycleConfiguration's XML and the
// admin API's JSON: pugixml passes any bytes through, so text that is not UTF-8, or holds
// characters XML 1.0 cannot carry, is refused here as S3's parser refuses it.
bool carries_as_text(const Rule& r) {
  if (!valid_xml_text(r.id) || !valid_xml_text(r.filter.prefix)) return false;
  for (const auto& [k, v] : r.filter.tags)
    if (!valid_xml_text(k) || !valid_xml_text(v)) return false;
  return true;
}

// A rule as the document gives it, before its values are checked.
struct Given {
  Rule rule;
  bool has_expiration = false;    // <Expiration> present (ExpiredObjectDeleteMarker false counts)
  std::optional<int64_t> gt, lt;  // sizes as written, range not yet checked
  bool newer_given = false;       // NewerNoncurrentVersions anywhere (Lifecycle V2 only)
};

s3::Status parse_tag(pugi::xml_node t, std::vector<std::pair<std::string, std::string>>& out) {
  if (!children_allowed(t, {"Key", "Value"}) || !t.child("Key") || !t.child("Value")) return malformed();
  out.emplace_back(t.child_value("Key"), t.child_value("Value"));
  return {};
}

s3::Status parse_size(pugi::xml_node n, std::optional<int64_t>& out) {
  if (!n) return {};
  auto v = parse_integer(n, INT64_MIN, INT64_MAX);
  if (!v) return malformed();
  out = *v;
  return {};
}

s3::Status parse_filter(pugi::xml_node f, Given& g) {
  if (!children_allowed(f, {"Prefix", "Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan"})) return malformed();
  int predicates = 0;
  for (auto c : f.children())
    if (c.type() == pugi::node_element) predicates++;
  if (predicates > 1) return malformed();  // more than one predicate needs <And>
  Filter& out = g.rule.filter;
  if (auto p = f.child("Prefix")) {
    out.prefix = p.child_value();
    out.prefix_given = true;
  }
  if (auto t = f.child("Tag"))
    if (auto st = parse_tag(t, out.tags); !st) return st;
  if (auto st = parse_size(f.child("ObjectSizeGreaterThan"), g.gt); !st) return st;
  if (auto st = parse_size(f.child("ObjectSizeLessThan"), g.lt); !st) return st;
  if (auto a = f.child("And")) {
    if (!children_allowed(a, {"Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan"}, {"Tag"}))
      return malformed();
    if (!a.first_child() || !a.find_child([](pugi::xml_node c) { return c.type() == pugi::node_element; }))
      return malformed();
    out.in_and = true;
    if (auto p = a.child("Prefix")) {
      out.prefix = p.child_value();
      out.prefix_given = true;
    }
    for (auto t : a.children("Tag"))
      if (auto st = parse_tag(t, out.tags); !st) return st;
    if (auto st = parse_size(a.child("ObjectSizeGreaterThan"), g.gt); !st) return st;
    if (auto st = parse_size(a.child("ObjectSizeLessThan"), g.lt); !st) return st;
  }
  return {};
}

// Days or Date, exactly one; the Date as written (midnight is checked later).
s3::Status parse_when(pugi::xml_node n, std::optional<int>& days, std::optional<int64_t>& date) {
  auto d = n.child("Days"), dt = n.child("Date");
  if (d && dt) return malformed();
  if (d) {
    days = parse_int(d);
    if (!days) return malformed();
  }
  if (dt) {
    date = parse_date(dt.child_value());
    if (!date) return malformed();
  }
  return {};
}

s3::Result<Given> parse_rule(pugi::xml_node r) {
  if (!children_allowed(r,
                        {"ID", "Prefix", "Filter", "Status", "Expiration", "Transition", "NoncurrentVersionExpiration",
                         "NoncurrentVersionTransition", "AbortIncompleteMultipartUpload"},
                        {"Transition", "NoncurrentVersionTransition"}))
    return malformed();
  Given g;
  Rule& rule = g.rule;
  rule.id = r.child_value("ID");
  std::string_view status = trim(r.child_value("Status"), kXmlSpace);
  if (status == "Enabled") {
    rule.enabled = true;
  } else if (status == "Disabled") {
    rule.enabled = false;
  } else {
    return malformed();
  }

  auto prefix = r.child("Prefix");
  auto filter = r.child("Filter");
  if (prefix && filter) return malformed();
  if (!prefix && !filter) return malformed();
  if (prefix) {
    rule.filter.legacy = true;
    rule.filter.prefix_given = true;
    rule.filter.prefix = prefix.child_value();
  } else if (auto st = parse_filter(filter, g); !st) {
    return st.error();
  }

  if (auto e = r.child("Expiration")) {
    if (!children_allowed(e, {"Days", "Date", "ExpiredObjectDeleteMarker"})) return malformed();
    int forms = !!e.child("Days") + !!e.child("Date") + !!e.child("ExpiredObjectDeleteMarker");
    if (forms != 1) return malformed();
    g.has_expiration = true;
    if (auto st = parse_when(e, rule.expiration_days, rule.expiration_date_ms); !st) return st.error();
    if (auto m = e.child("ExpiredObjectDeleteMarker")) {
      auto v = parse_bool(m);
      if (!v) return malformed();
      rule.expired_object_delete_marker = *v;
    }
  }
  for (auto t : r.children("Transition")) {
    if (!children_allowed(t, {"Days", "Date", "StorageClass"})) return malformed();
    if (!t.child("Days") == !t.child("Date") || !t.child("StorageClass")) return malformed();
    Transition tr;
    if (auto st = parse_when(t, tr.days, tr.date_ms); !st) return st.error();
    tr.storage_class = trim(t.child_value("StorageClass"), kXmlSpace);
    rule.transitions.push_back(std::move(tr));
  }
  if (auto n = r.child("NoncurrentVersionExpiration")) {
    if (!children_allowed(n, {"NoncurrentDays", "NewerNoncurrentVersions"}) || !n.child("NoncurrentDays"))
      return malformed();
    rule.noncurrent_expiration_days = parse_int(n.child("NoncurrentDays"));
    if (!rule.noncurrent_expiration_days) return malformed();
    if (auto v = n.child("NewerNoncurrentVersions")) {
      rule.noncurrent_newer_versions = parse_int(v);
      if (!rule.noncurrent_newer_versions) return malformed();
      g.newer_given = true;
    }
  }
  for (auto n : r.children("NoncurrentVersionTransition")) {
    if (!children_allowed(n, {"NoncurrentDays", "StorageClass", "NewerNoncurrentVersions"}) ||
        !n.child("NoncurrentDays") || !n.child("StorageClass"))
      return malformed();
    NoncurrentTransition nt;
    auto days = parse_int(n.child("NoncurrentDays"));
    if (!days) return malformed();
    nt.noncurrent_days = *days;
    if (auto v = n.child("NewerNoncurrentVersions")) {
      nt.newer_noncurrent_versions = parse_int(v);
      if (!nt.newer_noncurrent_versions) return malformed();
      g.newer_given = true;
    }
    nt.storage_class = trim(n.child_value("StorageClass"), kXmlSpace);
    rule.noncurrent_transitions.push_back(std::move(nt));
  }
  if (auto a = r.child("AbortIncompleteMultipartUpload")) {
    if (!children_allowed(a, {"DaysAfterInitiation"}) || !a.child("DaysAfterInitiation")) return malformed();
    rule.abort_incomplete_days = parse_int(a.child("DaysAfterInitiation"));
    if (!rule.abort_incomplete_days) return malformed();
  }
  return g;
}

// How S3's messages name a rule's scope: "filter '(prefix=logs/ and tag: key=k, value=v)'"
// for a <Filter>, "prefix 'logs/'" for a legacy rule.
std::string scope_name(const Given& g) {
  if (g.rule.filter.legacy) return "prefix '" + g.rule.filter.prefix + "'";
  std::vector<std::string> parts{"prefix=" + g.rule.filter.prefix};
  for (auto& [k, v] : g.rule.filter.tags) parts.push_back("tag: key=" + k + ", value=" + v);
  if (g.gt) parts.push_back("objectsizegreaterthan=" + std::to_string(*g.gt));
  if (g.lt) parts.push_back("objectsizelessthan=" + std::to_string(*g.lt));
  std::string out = "filter '(";
  for (size_t i = 0; i < parts.size(); i++) out += (i ? " and " : "") + parts[i];
  return out + ")'";
}

bool midnight(int64_t ms) {
  return ms % kDayMs == 0;
}

// A class S3's schema does not allow is MalformedXML, as S3 answers it; one S3 allows but
// this deployment has no pool for is InvalidStorageClass. A deployment may also map names of
// its own (valid_class), which are accepted. STANDARD is never a transition target.
s3::Status check_class(const std::string& name, const std::function<bool(std::string_view)>& valid_class) {
  if (name == "STANDARD") return malformed();
  if (valid_class(name)) return {};
  if (std::find(std::begin(kTransitionClasses), std::end(kTransitionClasses), name) == std::end(kTransitionClasses))
    return malformed();
  return s3::Error(s3::Code::InvalidStorageClass, "The storage class you specified is not valid");
}

s3::Status check_filter(const Given& g) {
  if (g.gt && (*g.gt < 0 || *g.gt > kMaxFilterSize))
    return invalid_request("'ObjectSizeGreaterThan' should be between 0 and " + std::to_string(kMaxFilterSize) + ".");
  if (g.lt && (*g.lt < 1 || *g.lt > kMaxFilterSize))
    return invalid_request("'ObjectSizeLessThan' should be between 1 and " + std::to_string(kMaxFilterSize) + ".");
  if (g.gt && g.lt && *g.lt <= *g.gt)
    return invalid_request("'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.");
  std::set<std::string_view> keys;
  for (auto& [k, v] : g.rule.filter.tags)
    if (!keys.insert(k).second) return invalid_request("Duplicate Tag Keys are not allowed.");
  return {};
}

s3::Status check_transitions(const Given& g, const std::function<bool(std::string_view)>& valid_class) {
  const Rule& r = g.rule;
  std::string scope = scope_name(g);
  std::set<std::string_view> classes;
  bool by_date = r.expiration_date_ms.has_value(), by_days = r.expiration_days.has_value();
  for (auto& t : r.transitions) {
    if (t.days && *t.days < 0) return invalid_argument("'Days' in Transition action must be nonnegative");
    if (t.date_ms && !midnight(*t.date_ms)) return invalid_argument("'Date' must be at midnight GMT");
    // S3 holds STANDARD_IA and ONEZONE_IA transitions to 30 days or more because it bills
    // those classes 30 days minimum; silt's pools are local drives with no such charge, so a
    // shorter wait is allowed.
    if (auto st = check_class(t.storage_class, valid_class); !st) return st;
    if (!classes.insert(t.storage_class).second)
      return invalid_request("'StorageClass' must be different for 'Transition' actions in same 'Rule' with " + scope);
    (t.date_ms ? by_date : by_days) = true;
  }
  if (by_date && by_days && !r.transitions.empty())
    return invalid_request(
        "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for " + scope);
  // Two transitions due at the same moment would leave the target undecided.
  for (size_t i = 0; i < r.transitions.size(); i++)
    for (size_t j = 0; j < i; j++) {
      auto &a = r.transitions[j], &b = r.transitions[i];
      if (a.days == b.days && a.date_ms == b.date_ms) {
        std::string unit = a.days ? "Days" : "Date";
        return invalid_argument("'" + unit + "' in the 'Transition' action for StorageClass '" + b.storage_class +
                                "' for " + scope + " must be greater than '" + unit +
                                "' in the 'Transition' action for StorageClass '" + a.storage_class + "' for " + scope);
      }
    }
  for (auto& t : r.transitions) {
    if (r.expiration_days && t.days && *r.expiration_days <= *t.days)
      return invalid_argument("'Days' in the Expiration action for " + scope +
                              " must be greater than 'Days' in the Transition action");
    if (r.expiration_date_ms && t.date_ms && *r.expiration_date_ms <= *t.date_ms)
      return invalid_argument("'Date' in the Expiration action for " + scope +
                              " must be later than 'Date' in the Transition action");
  }

  classes.clear();
  for (auto& t : r.noncurrent_transitions) {
    if (t.noncurrent_days < 0)
      return invalid_argument("'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative");
    if (t.newer_noncurrent_versions && *t.newer_noncurrent_versions <= 0)
      return invalid_argument(
          "'NewerNoncurrentVersions' for NoncurrentVersionTransition action must be a positive integer");
    if (auto st = check_class(t.storage_class, valid_class); !st) return st;
    if (!classes.insert(t.storage_class).second)
      return invalid_request(
          "'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule' with " + scope);
  }
  for (size_t i = 0; i < r.noncurrent_transitions.size(); i++)
    for (size_t j = 0; j < i; j++) {
      auto &a = r.noncurrent_transitions[j], &b = r.noncurrent_transitions[i];
      if (a.noncurrent_days == b.noncurrent_days)
        return invalid_argument("'NoncurrentDays' in the 'NoncurrentVersionTransition' action for StorageClass '" +
                                b.storage_class + "' for " + scope +
                                " must be greater than 'NoncurrentDays' in the 'NoncurrentVersionTransition' action "
                                "for StorageClass '" +
                                a.storage_class + "' for " + scope);
    }
  for (auto& t : r.noncurrent_transitions)
    if (r.noncurrent_expiration_days && *r.noncurrent_expiration_days <= t.noncurrent_days)
      return invalid_argument("'NoncurrentDays' in the NoncurrentVersionExpiration action for " + scope +
                              " must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action");
  return {};
}

s3::Status check_rule(const Given& g, const std::function<bool(std::string_view)>& valid_class) {
  const Rule& r = g.rule;
  if (auto st = check_filter(g); !st) return st;
  if (!g.has_expiration && r.transitions.empty() && !r.noncurrent_expiration_days && r.noncurrent_transitions.empty() &&
      !r.abort_incomplete_days)
    return invalid_request("At least one action needs to be specified in a rule");
  if (r.expiration_days && *r.expiration_days <= 0)
    return invalid_argument("'Days' for Expiration action must be a positive integer");
  if (r.expiration_date_ms && !midnight(*r.expiration_date_ms))
    return invalid_argument("'Date' must be at midnight GMT");
  if (r.noncurrent_expiration_days && *r.noncurrent_expiration_days <= 0)
    return invalid_argument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
  if (r.noncurrent_newer_versions && *r.noncurrent_newer_versions <= 0)
    return invalid_argument(
        "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer");
  if (r.abort_incomplete_days && *r.abort_incomplete_days <= 0)
    return invalid_argument(
        "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer");
  // These two act on delete markers and uploads, which carry neither tags nor a size.
  bool tags = !r.filter.tags.empty(), sizes = g.gt || g.lt;
  bool marker = g.has_expiration && !r.expiration_days && !r.expiration_date_ms;
  if (marker && tags) return invalid_request("ExpiredObjectDeleteMarker cannot be specified with Tags.");
  if (marker && sizes) return invalid_request("ExpiredObjectDeleteMarker cannot be specified with Object Size.");
  if (r.abort_incomplete_days && tags)
    return invalid_request("AbortIncompleteMultipartUpload cannot be specified with Tags.");
  if (r.abort_incomplete_days && sizes)
    return invalid_request("AbortIncompleteMultipartUpload cannot be specified with Object Size.");
  return check_transitions(g, valid_class);
}

// Legacy (rule-level Prefix) configurations may not give one action kind to two rules whose
// prefixes overlap, since nothing would say which wins.
s3::Status check_overlap(const std::vector<Given>& given) {
  struct Kind {
    const char* name;
    bool (*takes)(const Rule&);
  };
  const Kind kinds[] = {
      {"Expiration",
       [](const Rule& r) { return r.expiration_days || r.expiration_date_ms || r.expired_object_delete_marker; }},
      {"Transition", [](const Rule& r) { return !r.transitions.empty(); }},
      {"NoncurrentVersionExpiration", [](const Rule& r) { return r.noncurrent_expiration_days.has_value(); }},
      {"NoncurrentVersionTransition", [](const Rule& r) { return !r.noncurrent_transitions.empty(); }},
      {"AbortIncompleteMultipartUpload", [](const Rule& r) { return r.abort_incomplete_days.has_value(); }},
  };
  for (auto& kind : kinds) {
    std::vector<std::string_view> prefixes;
    for (auto& g : given)
      if (kind.takes(g.rule)) prefixes.push_back(g.rule.filter.prefix);
    std::sort(prefixes.begin(), prefixes.end());
    // In sorted order a prefix that begins another also begins its successor.
    for (size_t i = 1; i < prefixes.size(); i++)
      if (prefixes[i].substr(0, prefixes[i - 1].size()) == prefixes[i - 1])
        return invalid_request("Found overlapping prefixes '" + std::string(prefixes[i - 1]) + "' and '" +
                               std::string(prefixes[i]) + "' for same action type '" + kind.name + "'");
  }
  return {};
}

// A filter's tags in the order given, then its sizes (the order of S3's schema).
void add_predicates(pugi::xml_node into, const Filter& f) {
  for (auto& [k, v] : f.tags) {
    auto tag = into.append_child("Tag");
    add_text(tag, "Key", k);
    add_text(tag, "Value", v);
  }
  if (f.size_greater_than) add_text(into, "ObjectSizeGreaterThan", std::to_string(*f.size_greater_than));
  if (f.size_less_than) add_text(into, "ObjectSizeLessThan", std::to_string(*f.size_less_than));
}

}  // namespace

s3::Result<Configuration> parse_configuration(std::string_view xml,
                                              const std::function<bool(std::string_view)>& valid_class) {
  // pugixml would cut a Prefix at a decoded &#0;, widening the rule to more objects.
  if (xml_has_nul(xml)) return malformed();
  pugi::xml_document doc;
  // ws_pcdata_single keeps a Prefix of spaces; whitespace between elements is still dropped.
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single)) return malformed();
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "LifecycleConfiguration") return malformed();
  if (!children_allowed(root, {"Rule"}, {"Rule"})) return malformed();

  std::vector<Given> given;
  for (auto r : root.children("Rule")) {
    if (given.size() == kMaxRules)
      return invalid_request("The number of lifecycle rules must not exceed the allowed limit of 1000 rules.");
    auto g = parse_rule(r);
    if (!g) return g.error();
    if (!carries_as_text(g->rule)) return malformed();
    given.push_back(std::move(*g));
  }
  if (given.empty()) return invalid_request("At least one lifecycle rule must be specified.");

  std::set<std::string_view> ids;
  for (auto& g : given) {
    if (g.rule.id.empty()) continue;
    if (utf8_length(g.rule.id) > kMaxIdChars)
      return invalid_argument("ID length should not exceed allowed limit of 255");
    if (!ids.insert(g.rule.id).second)
      return invalid_argument("Rule ID must be unique. Found same ID for more than one rule");
  }
  // Lifecycle V2 (a Filter in the first rule) and the legacy form do not mix.
  bool v2 = !given.front().rule.filter.legacy;
  for (auto& g : given) {
    if (v2 && g.rule.filter.legacy)
      return invalid_request(
          "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter.");
    if (!v2 && !g.rule.filter.legacy) return invalid_request("Filter element can only be used in Lifecycle V2.");
    if (!v2 && g.newer_given)
      return invalid_request("NewerNoncurrentVersions element can only be used in Lifecycle V2.");
  }
  for (auto& g : given)
    if (auto st = check_rule(g, valid_class); !st) return st.error();
  if (!v2)
    if (auto st = check_overlap(given); !st) return st.error();

  Configuration out;
  int next = 1;
  for (auto& g : given) {
    if (g.rule.id.empty()) {
      std::string id;
      do id = "rule-" + std::to_string(next++);
      while (ids.count(id));
      g.rule.id = id;
    }
    if (g.gt) g.rule.filter.size_greater_than = static_cast<uint64_t>(*g.gt);
    if (g.lt) g.rule.filter.size_less_than = static_cast<uint64_t>(*g.lt);
    out.rules.push_back(std::move(g.rule));
  }
  return out;
}

std::string to_xml(const Configuration& config) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "LifecycleConfiguration");
  for (auto& r : config.rules) {
    auto rule = root.append_child("Rule");
    add_text(rule, "ID", r.id);
    const Filter& f = r.filter;
    if (f.legacy) {
      add_text(rule, "Prefix", f.prefix);
    } else {
      auto filter = rule.append_child("Filter");
      // More than one predicate is always inside <And>; documents stored before the form
      // was kept read back with in_and set that way.
      int predicates = !f.prefix.empty() + static_cast<int>(f.tags.size()) + f.size_greater_than.has_value() +
                       f.size_less_than.has_value();
      auto into = f.in_and || predicates > 1 ? filter.append_child("And") : filter;
      if (f.prefix_given || !f.prefix.empty()) add_text(into, "Prefix", f.prefix);
      add_predicates(into, f);
    }
    add_text(rule, "Status", r.enabled ? "Enabled" : "Disabled");
    for (auto& t : r.transitions) {
      auto tr = rule.append_child("Transition");
      if (t.date_ms) add_text(tr, "Date", iso8601_ms(*t.date_ms));
      if (t.days) add_text(tr, "Days", std::to_string(*t.days));
      add_text(tr, "StorageClass", t.storage_class);
    }
    bool other_action = !r.transitions.empty() || r.noncurrent_expiration_days || !r.noncurrent_transitions.empty() ||
                        r.abort_incomplete_days;
    if (r.expiration_days || r.expiration_date_ms || r.expired_object_delete_marker || !other_action) {
      auto e = rule.append_child("Expiration");
      if (r.expiration_date_ms) {
        add_text(e, "Date", iso8601_ms(*r.expiration_date_ms));
      } else if (r.expiration_days) {
        add_text(e, "Days", std::to_string(*r.expiration_days));
      } else {
        // Also the form of a rule whose only action is ExpiredObjectDeleteMarker false.
        add_text(e, "ExpiredObjectDeleteMarker", r.expired_object_delete_marker ? "true" : "false");
      }
    }
    for (auto& t : r.noncurrent_transitions) {
      auto tr = rule.append_child("NoncurrentVersionTransition");
      add_text(tr, "NoncurrentDays", std::to_string(t.noncurrent_days));
      add_text(tr, "StorageClass", t.storage_class);
      if (t.newer_noncurrent_versions)
        add_text(tr, "NewerNoncurrentVersions", std::to_string(*t.newer_noncurrent_versions));
    }
    if (r.noncurrent_expiration_days) {
      auto n = rule.append_child("NoncurrentVersionExpiration");
      add_text(n, "NoncurrentDays", std::to_string(*r.noncurrent_expiration_days));
      if (r.noncurrent_newer_versions)
        add_text(n, "NewerNoncurrentVersions", std::to_string(*r.noncurrent_newer_versions));
    }
    if (r.abort_incomplete_days) {
      auto a = rule.append_child("AbortIncompleteMultipartUpload");
      add_text(a, "DaysAfterInitiation", std::to_string(*r.abort_incomplete_days));
    }
  }
  return to_string(doc);
}

}  // namespace silt::lifecycle
