// Bucket policies: the JSON document of PutBucketPolicy, parsed once and checked,
// then evaluated against one request (who, which s3: action, which ARN, which facts).
//
// What silt supports, and what a principal means here, is in docs/operations.md
// ("Users and access policies"). Anything the parser does not understand is a
// MalformedPolicy error at PutBucketPolicy time, never a surprise at request time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt::auth {

constexpr size_t kMaxPolicyBytes = 20 * 1024;  // AWS's limit for bucket policies

// One condition: Operator { key: [values] }. Values of one key are ORed; for the negated
// operators (StringNotEquals, StringNotLike, NotIpAddress, NumericNotEquals, ArnNotEquals,
// ArnNotLike) none may match. Null { key: true } holds when the request has no value for
// the key, Null { key: false } when it has one. A key may carry several values
// (s3:RequestObjectTagKeys): ForAnyValue: holds when one of them satisfies the operator,
// ForAllValues: when all do (so also when there are none); without a qualifier a positive
// operator needs one match and a negated one no match.
struct PolicyCondition {
  enum class Op {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    IpAddress,
    NotIpAddress,
    Bool,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    ArnEquals,  // ArnEquals and ArnLike both take wildcards, as IAM defines them
    ArnNotEquals,
    ArnLike,
    ArnNotLike,
    Null,
  };
  enum class Set { Single, ForAnyValue, ForAllValues };
  Op op = Op::StringEquals;
  Set set = Set::Single;
  bool if_exists = false;
  // Lowercase ("aws:sourceip", "s3:prefix"), but for the tag key after
  // "s3:existingobjecttag/" and "s3:requestobjecttag/", which is compared as written.
  std::string key;
  std::vector<std::string> values;
};

struct PolicyStatement {
  std::string sid;
  bool allow = false;
  bool any_principal = false;              // "*" or {"AWS": "*"}
  std::vector<std::string> principals;     // user names (access keys); "arn:...:root" kept as given
  std::vector<std::string> canonical_ids;  // {"CanonicalUser": ...}: lowercase canonical user ids
  bool not_action = false;
  std::vector<std::string> actions;  // lowercase patterns: "s3:get*", "*"
  bool not_resource = false;
  std::vector<std::string> resources;  // ARN patterns: "arn:aws:s3:::bucket/key*"
  std::vector<PolicyCondition> conditions;
};

struct Policy {
  std::vector<PolicyStatement> statements;
  // Whether some condition reads the object's current tags (s3:ExistingObjectTag/<k>):
  // only then does the caller look them up.
  bool uses_existing_object_tags = false;
  // Whether some condition reads the tags the request sets (s3:RequestObjectTag/<k>,
  // s3:RequestObjectTagKeys).
  bool uses_request_object_tags = false;
};

// Checks everything and returns MalformedPolicy (400) with AWS's wording where known.
// bucket: every Resource must name it (wildcards in the bucket part must match it).
s3::Result<Policy> parse_policy(std::string_view json, std::string_view bucket);

// The values condition keys take for one request. Keys are lowercase; a key that is
// absent makes a positive operator false and a negated one true (AWS's rule), unless
// the operator ends in IfExists, which then holds.
// A key set more than once has several values (s3:RequestObjectTagKeys: one per tag).
struct PolicyFacts {
  std::vector<std::pair<std::string, std::string>> values;
  const std::string* find(std::string_view key) const;  // the first value; null when none
  std::vector<const std::string*> all(std::string_view key) const;
  void set(std::string key, std::string value) { values.emplace_back(std::move(key), std::move(value)); }
};

struct PolicyQuery {
  bool anonymous = false;
  std::string_view user;      // the signed user's name (its access key); ignored when anonymous
  std::string_view action;    // "s3:GetObject"
  std::string_view resource;  // "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"
  const PolicyFacts* facts = nullptr;
  // RestrictPublicBuckets: a public statement (statement_is_public()) admits no one.
  bool restrict_public = false;
  std::string_view canonical_id;  // the signed user's canonical id (CanonicalUser principals)
};

enum class PolicyEffect { None, Allow, Deny };

// An explicit Deny of any matching statement wins, then an Allow; else None (implicit deny).
PolicyEffect evaluate(const Policy& policy, const PolicyQuery& q);

// GetBucketPolicyStatus: whether some Allow statement lets anyone in (Principal "*")
// without a condition that narrows who can use it. Only aws:SecureTransport conditions
// are taken as not narrowing; any other condition (an IP range, a prefix) makes the
// statement not public.
bool is_public(const Policy& policy);
bool statement_is_public(const PolicyStatement& st);

// '*' any run, '?' one character; the whole of text must match.
bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case);

// aws:SourceIp support: whether ip ("192.0.2.7", "::1", "::ffff:127.0.0.1") lies in cidr
// ("127.0.0.0/8", "2001:db8::/32", or a bare address). False for anything unparsable.
bool ip_in_cidr(std::string_view ip, std::string_view cidr);

}  // namespace silt::auth
