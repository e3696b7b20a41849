#include "auth/policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "auth/user_store.h"
#include "util/strings.h"

namespace silt::auth {

namespace {

using json = nlohmann::json;
using Op = PolicyCondition::Op;

s3::Error malformed(std::string msg) {
  return s3::Error(s3::Code::MalformedPolicy, std::move(msg));
}

constexpr std::string_view kS3Arn = "arn:aws:s3:::";

struct OpName {
  std::string_view name;
  Op op;
};
constexpr std::array<OpName, 20> kOps = {{
    {"StringEquals", Op::StringEquals},
    {"StringNotEquals", Op::StringNotEquals},
    {"StringEqualsIgnoreCase", Op::StringEqualsIgnoreCase},
    {"StringNotEqualsIgnoreCase", Op::StringNotEqualsIgnoreCase},
    {"StringLike", Op::StringLike},
    {"StringNotLike", Op::StringNotLike},
    {"IpAddress", Op::IpAddress},
    {"NotIpAddress", Op::NotIpAddress},
    {"Bool", Op::Bool},
    {"NumericEquals", Op::NumericEquals},
    {"NumericNotEquals", Op::NumericNotEquals},
    {"NumericLessThan", Op::NumericLessThan},
    {"NumericLessThanEquals", Op::NumericLessThanEquals},
    {"NumericGreaterThan", Op::NumericGreaterThan},
    {"NumericGreaterThanEquals", Op::NumericGreaterThanEquals},
    {"ArnEquals", Op::ArnEquals},
    {"ArnNotEquals", Op::ArnNotEquals},
    {"ArnLike", Op::ArnLike},
    {"ArnNotLike", Op::ArnNotLike},
    {"Null", Op::Null},
}};

// The keys silt fills in (server/s3/access_check.cpp); others would never match, so they
// are refused up front rather than silently ignored. aws:SourceArn is never set (silt has
// no service principals calling on a resource's behalf): Null and IfExists see it absent.
constexpr std::array<std::string_view, 20> kConditionKeys = {"aws:sourceip",
                                                             "aws:securetransport",
                                                             "aws:username",
                                                             "aws:userid",
                                                             "aws:principaltype",
                                                             "aws:useragent",
                                                             "aws:referer",
                                                             "aws:sourcearn",
                                                             "s3:prefix",
                                                             "s3:delimiter",
                                                             "s3:max-keys",
                                                             "s3:versionid",
                                                             "s3:requestobjecttagkeys",
                                                             "s3:x-amz-acl",
                                                             "s3:x-amz-server-side-encryption",
                                                             "s3:x-amz-grant-read",
                                                             "s3:x-amz-grant-write",
                                                             "s3:x-amz-grant-read-acp",
                                                             "s3:x-amz-grant-write-acp",
                                                             "s3:x-amz-grant-full-control"};
// Keys that name a tag after the slash: "s3:ExistingObjectTag/<key>".
constexpr std::string_view kExistingTag = "s3:existingobjecttag/";
constexpr std::string_view kRequestTag = "s3:requestobjecttag/";

bool negated(Op op) {
  return op == Op::StringNotEquals || op == Op::StringNotEqualsIgnoreCase || op == Op::StringNotLike ||
         op == Op::NotIpAddress || op == Op::NumericNotEquals || op == Op::ArnNotEquals || op == Op::ArnNotLike;
}

bool numeric(Op op) {
  return op >= Op::NumericEquals && op <= Op::NumericGreaterThanEquals;
}

// The key as compared: lowercase, but a tag key keeps its case (tag keys are case-sensitive).
// Empty when silt does not know the key.
std::string condition_key(std::string_view written) {
  std::string lower = to_lower(written);
  for (auto prefix : {kExistingTag, kRequestTag})
    if (lower.size() > prefix.size() && lower.rfind(prefix, 0) == 0)
      return std::string(prefix) + std::string(written.substr(prefix.size()));
  if (std::find(kConditionKeys.begin(), kConditionKeys.end(), lower) == kConditionKeys.end()) return {};
  return lower;
}

// A JSON string or array of strings, as IAM allows for Action, Resource, principals, values.
s3::Result<std::vector<std::string>> strings_of(const json& v, const std::string& what) {
  std::vector<std::string> out;
  auto take = [&](const json& e) -> bool {
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
      return true;
    }
    // Condition values may be written as JSON booleans or numbers: "Bool": {"aws:SecureTransport": false}.
    if (e.is_boolean()) {
      out.push_back(e.get<bool>() ? "true" : "false");
      return true;
    }
    if (e.is_number()) {
      out.push_back(e.dump());
      return true;
    }
    return false;
  };
  if (v.is_array()) {
    if (v.empty()) return malformed(what + " must not be empty");
    for (const auto& e : v)
      if (!take(e)) return malformed("Invalid " + what + " value in policy");
  } else if (!take(v)) {
    return malformed("Invalid " + what + " value in policy");
  }
  return out;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

s3::Status parse_principal(const json& p, PolicyStatement& st) {
  const std::string bad = "Invalid principal in policy";
  if (p.is_string()) {
    if (p.get<std::string>() != "*") return malformed(bad);
    st.any_principal = true;
    return {};
  }
  if (!p.is_object() || p.empty()) return malformed(bad);
  for (const auto& [kind, value] : p.items()) {
    // silt's principals are its users, named by user name or ARN ("AWS") or by the
    // canonical id GetBucketAcl shows them by ("CanonicalUser": 64 hex digits, as AWS
    // takes only that form; a user name there is an invalid principal).
    if (kind != "AWS" && kind != "CanonicalUser") return malformed(bad);
    auto names = strings_of(value, "principal");
    if (!names) return malformed(bad);
    if (kind == "CanonicalUser") {
      for (auto& n : *names) {
        auto id = validate_canonical_id(n);
        if (!id) return malformed(bad);
        st.canonical_ids.push_back(std::move(*id));
      }
      continue;
    }
    for (auto& n : *names) {
      if (n == "*") {
        st.any_principal = true;
        continue;
      }
      if (n.rfind("arn:", 0) == 0) {
        // arn:aws:iam::<account>:user/<path/>name or arn:aws:iam::<account>:root
        if (n.rfind("arn:aws:iam::", 0) != 0) return malformed(bad);
        size_t colon = n.find(':', 13);
        if (colon == std::string::npos) return malformed(bad);
        std::string_view res = std::string_view(n).substr(colon + 1);
        if (res == "root") {
          st.principals.push_back(n);  // the account: only the admin, who is allowed anyway
          continue;
        }
        if (res.rfind("user/", 0) != 0) return malformed(bad);
        std::string_view name = res.substr(res.rfind('/') + 1);
        if (name.empty()) return malformed(bad);
        st.principals.emplace_back(name);
        continue;
      }
      if (n.empty() || n.find_first_of("*?") != std::string::npos) return malformed(bad);
      st.principals.push_back(n);
    }
  }
  return {};
}

s3::Status parse_actions(const json& v, std::vector<std::string>& out) {
  auto list = strings_of(v, "action");
  if (!list) return malformed("Policy has invalid action");
  for (auto& a : *list) {
    std::string l = to_lower(a);
    bool ok = l == "*";
    if (!ok && l.rfind("s3:", 0) == 0 && l.size() > 3)
      ok = std::all_of(l.begin() + 3, l.end(),
                       [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '*' || c == '?'; });
    if (!ok) return malformed("Policy has invalid action");
    out.push_back(std::move(l));
  }
  return {};
}

s3::Status parse_resources(const json& v, std::string_view bucket, std::vector<std::string>& out) {
  auto list = strings_of(v, "resource");
  if (!list) return malformed("Policy has invalid resource");
  for (auto& r : *list) {
    if (r.rfind(kS3Arn, 0) != 0) return malformed("Policy has invalid resource");
    std::string_view rest = std::string_view(r).substr(kS3Arn.size());
    std::string_view b = rest.substr(0, rest.find('/'));
    // A statement may only speak of this bucket and its objects.
    if (b.empty() || !wildcard_match(b, bucket, false)) return malformed("Policy has invalid resource");
    out.push_back(r);
  }
  return {};
}

s3::Status parse_conditions(const json& c, PolicyStatement& st) {
  if (!c.is_object()) return malformed("Invalid Condition block in policy");
  for (const auto& [op_name, block] : c.items()) {
    std::string_view name = op_name;
    auto set = PolicyCondition::Set::Single;
    for (auto [prefix, kind] : {std::pair{std::string_view("ForAnyValue:"), PolicyCondition::Set::ForAnyValue},
                                std::pair{std::string_view("ForAllValues:"), PolicyCondition::Set::ForAllValues}})
      if (name.rfind(prefix, 0) == 0) {
        set = kind;
        name.remove_prefix(prefix.size());
      }
    bool if_exists = false;
    if (name.size() > 8 && name.substr(name.size() - 8) == "IfExists") {
      if_exists = true;
      name.remove_suffix(8);
    }
    auto it = std::find_if(kOps.begin(), kOps.end(), [&](const OpName& o) { return o.name == name; });
    // Null asks whether the key exists: IfExists or a set qualifier makes no sense on it (IAM refuses both).
    if (it == kOps.end() || (it->op == Op::Null && (if_exists || set != PolicyCondition::Set::Single)))
      return malformed("Invalid Condition type : " + op_name);
    if (!block.is_object() || block.empty()) return malformed("Invalid Condition block in policy");
    for (const auto& [key, values] : block.items()) {
      PolicyCondition cond;
      cond.op = it->op;
      cond.set = set;
      cond.if_exists = if_exists;
      cond.key = condition_key(key);
      if (cond.key.empty()) return malformed("Policy has an invalid condition key");
      auto vals = strings_of(values, "condition");
      if (!vals) return vals.error();
      cond.values = std::move(*vals);
      for (const auto& v : cond.values) {
        if ((cond.op == Op::IpAddress || cond.op == Op::NotIpAddress) && !ip_in_cidr("", v))
          return malformed("Invalid IP address in policy condition: " + v);
        double d;
        if (numeric(cond.op) && !parse_double(v, d))
          return malformed("Invalid numeric value in policy condition: " + v);
        if ((cond.op == Op::Bool || cond.op == Op::Null) && !iequals(v, "true") && !iequals(v, "false"))
          return malformed("Invalid boolean value in policy condition: " + v);
      }
      st.conditions.push_back(std::move(cond));
    }
  }
  return {};
}

s3::Result<PolicyStatement> parse_statement(const json& s, std::string_view bucket) {
  if (!s.is_object()) return malformed("Statement must be an object");
  PolicyStatement st;
  bool has_effect = false, has_principal = false, has_action = false, has_resource = false;
  for (const auto& [k, v] : s.items()) {
    if (k == "Sid") {
      if (!v.is_string()) return malformed("Sid must be a string");
      st.sid = v.get<std::string>();
    } else if (k == "Effect") {
      std::string e = v.is_string() ? v.get<std::string>() : v.dump();
      if (e != "Allow" && e != "Deny") return malformed("Invalid effect: " + e);
      st.allow = e == "Allow";
      has_effect = true;
    } else if (k == "Principal") {
      if (auto r = parse_principal(v, st); !r) return r.error();
      has_principal = true;
    } else if (k == "NotPrincipal") {
      return malformed("NotPrincipal is not supported");
    } else if (k == "Action" || k == "NotAction") {
      if (has_action) return malformed("Statement may have only one of Action and NotAction");
      st.not_action = k == "NotAction";
      if (auto r = parse_actions(v, st.actions); !r) return r.error();
      has_action = true;
    } else if (k == "Resource" || k == "NotResource") {
      if (has_resource) return malformed("Statement may have only one of Resource and NotResource");
      st.not_resource = k == "NotResource";
      if (auto r = parse_resources(v, bucket, st.resources); !r) return r.error();
      has_resource = true;
    } else if (k == "Condition") {
      if (auto r = parse_conditions(v, st); !r) return r.error();
    } else {
      return malformed("Unknown field " + k);
    }
  }
  if (!has_effect) return malformed("Missing required field Effect");
  if (!has_principal) return malformed("Missing required field Principal");
  if (!has_action) return malformed("Missing required field Action");
  if (!has_resource) return malformed("Missing required field Resource");
  return st;
}

// The compared form of an address: 16 bytes, IPv4 as ::ffff:a.b.c.d so both families share one space.
bool to_v6(std::string_view text, std::array<unsigned char, 16>& out) {
  std::string s(text);
  in_addr a4;
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    out.fill(0);
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &a4, 4);
    return true;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    std::memcpy(out.data(), &a6, 16);
    return true;
  }
  return false;
}

bool condition_value_matches(const PolicyCondition& c, const std::string& fact, const std::string& v) {
  switch (c.op) {
    case Op::StringEquals:
    case Op::StringNotEquals: return fact == v;
    case Op::StringEqualsIgnoreCase:
    case Op::StringNotEqualsIgnoreCase: return iequals(fact, v);
    case Op::StringLike:
    case Op::StringNotLike: return wildcard_match(v, fact, false);
    case Op::IpAddress:
    case Op::NotIpAddress: return ip_in_cidr(fact, v);
    case Op::Bool: return iequals(fact, v);
    case Op::ArnEquals:
    case Op::ArnNotEquals:
    case Op::ArnLike:
    case Op::ArnNotLike: return wildcard_match(v, fact, false);
    default: break;
  }
  double a, b;
  if (!parse_double(fact, a) || !parse_double(v, b)) return false;
  switch (c.op) {
    case Op::NumericEquals:
    case Op::NumericNotEquals: return a == b;
    case Op::NumericLessThan: return a < b;
    case Op::NumericLessThanEquals: return a <= b;
    case Op::NumericGreaterThan: return a > b;
    case Op::NumericGreaterThanEquals: return a >= b;
    default: return false;
  }
}

bool condition_holds(const PolicyCondition& c, const PolicyFacts* facts) {
  std::vector<const std::string*> got;
  if (facts) got = facts->all(c.key);
  if (c.op == Op::Null)
    return std::any_of(c.values.begin(), c.values.end(),
                       [&](const std::string& v) { return iequals(v, "true") == got.empty(); });
  auto matches = [&](const std::string* fact) {
    return std::any_of(c.values.begin(), c.values.end(),
                       [&](const std::string& v) { return condition_value_matches(c, *fact, v); });
  };
  // One request value against the operator: a negated one holds when no policy value matches.
  auto satisfies = [&](const std::string* fact) { return negated(c.op) ? !matches(fact) : matches(fact); };
  switch (c.set) {
    case PolicyCondition::Set::ForAllValues: return std::all_of(got.begin(), got.end(), satisfies);
    case PolicyCondition::Set::ForAnyValue: return std::any_of(got.begin(), got.end(), satisfies);
    case PolicyCondition::Set::Single: break;
  }
  if (got.empty()) return c.if_exists || negated(c.op);
  bool any = std::any_of(got.begin(), got.end(), matches);
  return negated(c.op) ? !any : any;
}

bool principal_matches(const PolicyStatement& st, const PolicyQuery& q) {
  if (st.any_principal) return true;
  if (q.anonymous) return false;
  if (!q.canonical_id.empty() &&
      std::find(st.canonical_ids.begin(), st.canonical_ids.end(), q.canonical_id) != st.canonical_ids.end())
    return true;
  return std::find(st.principals.begin(), st.principals.end(), q.user) != st.principals.end();
}

bool statement_applies(const PolicyStatement& st, const PolicyQuery& q) {
  if (!principal_matches(st, q)) return false;
  if (q.restrict_public && statement_is_public(st)) return false;
  bool action = std::any_of(st.actions.begin(), st.actions.end(),
                            [&](const std::string& p) { return wildcard_match(p, q.action, true); });
  if (action == st.not_action) return false;
  bool resource = std::any_of(st.resources.begin(), st.resources.end(),
                              [&](const std::string& p) { return wildcard_match(p, q.resource, false); });
  if (resource == st.not_resource) return false;
  return std::all_of(st.conditions.begin(), st.conditions.end(),
                     [&](const PolicyCondition& c) { return condition_holds(c, q.facts); });
}

}  // namespace

const std::string* PolicyFacts::find(std::string_view key) const {
  for (const auto& [k, v] : values)
    if (k == key) return &v;
  return nullptr;
}

std::vector<const std::string*> PolicyFacts::all(std::string_view key) const {
  std::vector<const std::string*> out;
  for (const auto& [k, v] : values)
    if (k == key) out.push_back(&v);
  return out;
}

bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [&](char a, char b) { return ignore_case ? ascii_lower(a) == ascii_lower(b) : a == b; };
  // Greedy with one backtrack point: linear enough for policy-sized patterns.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && eq(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool ip_in_cidr(std::string_view ip, std::string_view cidr) {
  size_t slash = cidr.find('/');
  std::array<unsigned char, 16> net, addr;
  if (!to_v6(cidr.substr(0, slash), net)) return false;
  bool v4 = cidr.substr(0, slash).find(':') == std::string_view::npos;
  int bits = 128;
  if (slash != std::string_view::npos) {
    std::string b(cidr.substr(slash + 1));
    char* end = nullptr;
    long n = std::strtol(b.c_str(), &end, 10);
    if (b.empty() || *end != '\0' || n < 0 || n > (v4 ? 32 : 128)) return false;
    bits = static_cast<int>(v4 ? n + 96 : n);
  }
  if (ip.empty()) return true;  // only validating the range
  if (!to_v6(ip, addr)) return false;
  for (int i = 0; i < bits; ++i) {
    unsigned mask = 0x80u >> (i % 8);
    if ((net[i / 8] & mask) != (addr[i / 8] & mask)) return false;
  }
  return true;
}

s3::Result<Policy> parse_policy(std::string_view text, std::string_view bucket) {
  if (text.size() > kMaxPolicyBytes) return malformed("Policies cannot exceed 20 KB in size");
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{')
    return malformed("Policies must be valid JSON and the first byte must be '{'");
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return malformed("This policy contains invalid Json");
  Policy policy;
  bool has_statement = false;
  for (const auto& [k, v] : doc.items()) {
    if (k == "Version") {
      if (!v.is_string() || (v != "2012-10-17" && v != "2008-10-17")) return malformed("Policy has invalid version");
    } else if (k == "Id") {
      if (!v.is_string()) return malformed("Id must be a string");
    } else if (k == "Statement") {
      has_statement = true;
      if (v.is_object()) {
        auto st = parse_statement(v, bucket);
        if (!st) return st.error();
        policy.statements.push_back(std::move(*st));
      } else if (v.is_array() && !v.empty()) {
        for (const auto& s : v) {
          auto st = parse_statement(s, bucket);
          if (!st) return st.error();
          policy.statements.push_back(std::move(*st));
        }
      } else {
        return malformed("Statement must be an object or a non-empty array");
      }
    } else {
      return malformed("Unknown field " + k);
    }
  }
  if (!has_statement) return malformed("Missing required field Statement");
  for (const auto& st : policy.statements)
    for (const auto& c : st.conditions) {
      if (c.key.rfind(kExistingTag, 0) == 0) policy.uses_existing_object_tags = true;
      if (c.key.rfind(kRequestTag, 0) == 0 || c.key == "s3:requestobjecttagkeys")
        policy.uses_request_object_tags = true;
    }
  return policy;
}

PolicyEffect evaluate(const Policy& policy, const PolicyQuery& q) {
  PolicyEffect out = PolicyEffect::None;
  for (const auto& st : policy.statements) {
    if (!statement_applies(st, q)) continue;
    if (!st.allow) return PolicyEffect::Deny;
    out = PolicyEffect::Allow;
  }
  return out;
}

bool statement_is_public(const PolicyStatement& st) {
  if (!st.allow || !st.any_principal) return false;
  return std::all_of(st.conditions.begin(), st.conditions.end(),
                     [](const PolicyCondition& c) { return c.key == "aws:securetransport"; });
}

bool is_public(const Policy& policy) {
  return std::any_of(policy.statements.begin(), policy.statements.end(), statement_is_public);
}

}  // namespace silt::auth
