#include "auth/post_policy.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "auth/sigv2.h"
#include "util/hash.h"
#include "util/parse.h"
#include "util/strings.h"
#include "util/time.h"

namespace silt::auth {

namespace {

using json = nlohmann::json;

s3::Error invalid_policy(std::string_view why) {
  return s3::Error(s3::Code::InvalidPolicyDocument, "Invalid Policy: " + std::string(why));
}

s3::Error denied_by_policy(std::string_view why) {
  return s3::Error(s3::Code::AccessDenied, "Invalid according to Policy: " + std::string(why));
}

// S3's answer to a form without one of the fields a signed POST needs.
s3::Error missing_field(std::string_view canonical) {
  return s3::Error(s3::Code::InvalidArgument, "Bucket POST must contain a field named '" + std::string(canonical) +
                                                  "'.  If it is specified, please check the order of the fields.")
      .with("ArgumentName", std::string(canonical))
      .with("ArgumentValue", "");
}

s3::Error signature_mismatch(std::string_view access_key, std::string_view policy_b64, std::string_view provided) {
  std::string bytes;
  for (unsigned char c : policy_b64) {
    if (!bytes.empty()) bytes += ' ';
    bytes += hex_encode(std::string_view(reinterpret_cast<const char*>(&c), 1));
  }
  return s3::Error(s3::Code::SignatureDoesNotMatch,
                   "The request signature we calculated does not match the signature you provided. Check your key "
                   "and signing method.")
      .with("AWSAccessKeyId", std::string(access_key))
      .with("StringToSign", std::string(policy_b64))
      .with("SignatureProvided", std::string(provided))
      .with("StringToSignBytes", bytes);
}

s3::Error unknown_key(std::string_view access_key) {
  return s3::Error(s3::Code::InvalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.")
      .with("AWSAccessKeyId", std::string(access_key));
}

s3::Error bad_credential(std::string_view credential, std::string why) {
  return s3::Error(s3::Code::InvalidArgument, std::move(why))
      .with("ArgumentName", "X-Amz-Credential")
      .with("ArgumentValue", std::string(credential));
}

s3::Result<Identity> authenticate_v4(const FormFields& fields, const CredentialStore& store) {
  auto algorithm = form_field(fields, "x-amz-algorithm");
  if (!algorithm) return missing_field("X-Amz-Algorithm");
  auto credential = form_field(fields, "x-amz-credential");
  if (!credential) return missing_field("X-Amz-Credential");
  auto date = form_field(fields, "x-amz-date");
  if (!date) return missing_field("X-Amz-Date");
  auto signature = form_field(fields, "x-amz-signature");
  if (!signature) return missing_field("X-Amz-Signature");
  auto policy = form_field(fields, "policy");
  if (!policy) return missing_field("Policy");

  if (*algorithm != "AWS4-HMAC-SHA256")
    return s3::Error(s3::Code::InvalidArgument, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        .with("ArgumentName", "X-Amz-Algorithm")
        .with("ArgumentValue", *algorithm);
  // <access key>/<yyyymmdd>/<region>/s3/aws4_request
  auto parts = split(*credential, '/');
  if (parts.size() != 5)
    return bad_credential(
        *credential, "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  if (parts[0].empty())
    return bad_credential(*credential, "a non-empty Access Key (AKID) must be provided in the credential.");
  if (parts[1].size() != 8 || !all_digits(parts[1]))
    return bad_credential(*credential, "incorrect date format \"" + std::string(parts[1]) +
                                           "\". This date in the credential must be in the format \"yyyyMMdd\".");
  if (parts[3] != "s3")
    return bad_credential(*credential,
                          "incorrect service \"" + std::string(parts[3]) + "\". This endpoint belongs to \"s3\".");
  if (parts[4] != "aws4_request")
    return bad_credential(*credential,
                          "incorrect terminal \"" + std::string(parts[4]) + "\". This endpoint uses \"aws4_request\".");
  if (!parse_amz_date(*date))
    return s3::Error(s3::Code::InvalidArgument, "X-Amz-Date must be formated via ISO8601 Long format")
        .with("ArgumentName", "X-Amz-Date")
        .with("ArgumentValue", *date);

  auto cred = store.find(parts[0]);
  if (!cred) return unknown_key(parts[0]);
  std::string want = post_signature_v4(cred->secret_key, parts[1], parts[2], *policy);
  if (!constant_time_equal(want, to_lower(*signature))) return signature_mismatch(parts[0], *policy, *signature);

  Identity id;
  id.access_key = cred->access_key;
  id.user = cred->user;
  id.amz_date = *date;
  id.region = std::string(parts[2]);
  id.scope = std::string(parts[1]) + "/" + id.region + "/s3/aws4_request";
  return id;
}

s3::Result<Identity> authenticate_v2(const FormFields& fields, const CredentialStore& store) {
  auto access_key = form_field(fields, "awsaccesskeyid");
  if (!access_key) return missing_field("AWSAccessKeyId");
  auto signature = form_field(fields, "signature");
  if (!signature) return missing_field("Signature");
  auto policy = form_field(fields, "policy");
  if (!policy) return missing_field("Policy");
  if (access_key->empty()) return unknown_key(*access_key);
  auto cred = store.find(*access_key);
  if (!cred) return unknown_key(*access_key);
  if (!constant_time_equal(post_signature_v2(cred->secret_key, *policy), *signature))
    return signature_mismatch(*access_key, *policy, *signature);
  Identity id;
  id.access_key = cred->access_key;
  id.user = cred->user;
  return id;
}

// The policy is base64 as sent; some encoders (Ruby's encode64) wrap it in lines.
std::string strip_space(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') out += c;
  return out;
}

std::string join_dumped(const json& arr) {
  std::string text = "[";
  for (size_t i = 0; i < arr.size(); ++i) {
    if (i) text += ", ";
    text += arr[i].dump();
  }
  return text + "]";
}

// A content-length-range bound: a non-negative integer, or (as S3 accepts) a string
// of digits. Anything else leaves the condition unsatisfiable.
s3::Result<std::optional<uint64_t>> range_bound(const json& v) {
  if (v.is_number_unsigned()) return std::optional<uint64_t>(v.get<uint64_t>());
  if (v.is_number_integer()) return invalid_policy("Invalid content-length-range: the range must be non-negative.");
  if (v.is_number_float()) return invalid_policy("Invalid JSON.");
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (auto n = parse_u64(s); n && s.size() <= 19) return std::optional<uint64_t>(*n);
  }
  return std::optional<uint64_t>();
}

s3::Result<PostCondition> parse_condition(const json& c) {
  PostCondition out;
  if (c.is_object()) {
    if (c.size() != 1)
      return invalid_policy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.");
    auto it = c.begin();
    if (!it.value().is_string()) return invalid_policy("Invalid Simple-Condition: value must be a string.");
    out.field = to_lower(it.key());
    out.value = it.value().get<std::string>();
    out.text = join_dumped(json::array({"eq", "$" + it.key(), it.value()}));
    return out;
  }
  if (!c.is_array()) return invalid_policy("Invalid condition test: must be a List or Object.");
  if (c.empty() || !c[0].is_string()) return invalid_policy("Invalid Condition: missing operation identifier.");
  std::string op = to_lower(c[0].get<std::string>());
  out.text = join_dumped(c);
  if (op == "content-length-range") {
    if (c.size() != 3) return invalid_policy("Invalid content-length-range: wrong number of arguments.");
    auto lo = range_bound(c[1]);
    if (!lo) return lo.error();
    auto hi = range_bound(c[2]);
    if (!hi) return hi.error();
    out.op = PostCondition::Op::ContentLengthRange;
    out.satisfiable = lo->has_value() && hi->has_value();
    out.min = lo->value_or(0);
    out.max = hi->value_or(0);
    return out;
  }
  if (op != "eq" && op != "starts-with")
    return invalid_policy("Invalid Condition: unknown operation '" + c[0].get<std::string>() + "'.");
  if (c.size() != 3) return invalid_policy("Invalid " + op + ": wrong number of arguments.");
  if (!c[1].is_string() || !c[2].is_string()) return invalid_policy("Invalid JSON.");
  out.op = op == "eq" ? PostCondition::Op::Eq : PostCondition::Op::StartsWith;
  const auto& name = c[1].get_ref<const std::string&>();
  // S3 reads ["eq", "key", ...] (no '$') as a condition no field meets.
  out.satisfiable = !name.empty() && name[0] == '$';
  out.field = to_lower(out.satisfiable ? name.substr(1) : name);
  out.value = c[2].get<std::string>();
  return out;
}

// "Content-Type values for a starts-with condition that include commas are interpreted
// as lists. Each value in the list must meet the condition" (POST Policy page).
bool starts_with_all(std::string_view value, std::string_view prefix, bool is_list) {
  if (!is_list) return value.substr(0, prefix.size()) == prefix;
  for (auto item : split(value, ',')) {
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.substr(0, prefix.size()) != prefix) return false;
  }
  return true;
}

bool exempt_from_coverage(std::string_view name) {
  return iequals(name, "policy") || iequals(name, "x-amz-signature") || iequals(name, "signature") ||
         iequals(name, "awsaccesskeyid") || iequals(name, "file") ||
         (name.size() >= 9 && iequals(name.substr(0, 9), "x-ignore-"));
}

}  // namespace

std::optional<std::string> form_field(const FormFields& fields, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [k, v] : fields) {
    if (!iequals(k, name)) continue;
    if (out) {
      *out += ',';
      *out += v;
    } else {
      out = v;
    }
  }
  return out;
}

s3::Result<Identity> authenticate_post(const FormFields& fields, const CredentialStore& store) {
  auto has = [&](std::string_view n) { return form_field(fields, n).has_value(); };
  if (has("x-amz-algorithm") || has("x-amz-credential") || has("x-amz-date") || has("x-amz-signature"))
    return authenticate_v4(fields, store);
  if (has("awsaccesskeyid") || has("signature")) return authenticate_v2(fields, store);
  // An anonymous form: S3 admits it only into a publicly writable bucket, and silt has none.
  return s3::Error(s3::Code::AccessDenied, "Access Denied");
}

s3::Result<PostPolicy> parse_post_policy(std::string_view policy_b64) {
  std::string text;
  std::string b64 = strip_space(policy_b64);
  if (b64.empty() || !base64_decode(b64, text)) return invalid_policy("invalid Base64 encoding.");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_policy("Invalid JSON.");
  for (const auto& [name, value] : doc.items()) {
    if (name != "expiration" && name != "conditions") return invalid_policy("Unexpected: '" + to_lower(name) + "'.");
  }
  PostPolicy policy;
  auto exp = doc.find("expiration");
  if (exp == doc.end()) return invalid_policy("Policy missing expiration.");
  if (!exp->is_string()) return invalid_policy("Invalid 'expiration' value: '" + exp->dump() + "'");
  auto when = parse_iso8601(exp->get<std::string>());
  if (!when) return invalid_policy("Invalid 'expiration' value: '" + exp->get<std::string>() + "'");
  policy.expiration_ms = *when;
  auto conds = doc.find("conditions");
  if (conds == doc.end()) return invalid_policy("Policy missing conditions.");
  if (!conds->is_array()) return invalid_policy("Invalid 'conditions' value: must be a List.");
  for (const auto& c : *conds) {
    auto pc = parse_condition(c);
    if (!pc) return pc.error();
    policy.conditions.push_back(std::move(*pc));
  }
  return policy;
}

s3::Status check_post_policy(const PostPolicy& policy, const FormFields& fields, std::string_view bucket,
                             int64_t now_ms) {
  if (now_ms > policy.expiration_ms) return denied_by_policy("Policy expired.");
  for (const auto& c : policy.conditions) {
    if (!c.satisfiable) return denied_by_policy("Policy Condition failed: " + c.text);
    if (c.op == PostCondition::Op::ContentLengthRange) continue;
    // The bucket is the URL's; a condition on an absent field fails, even starts-with "".
    std::optional<std::string> value =
        c.field == "bucket" ? std::optional<std::string>(bucket) : form_field(fields, c.field);
    bool ok = value && (c.op == PostCondition::Op::Eq ? *value == c.value
                                                      : starts_with_all(*value, c.value, c.field == "content-type"));
    if (!ok) return denied_by_policy("Policy Condition failed: " + c.text);
  }
  std::string extra;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string& name = fields[i].first;
    if (exempt_from_coverage(name)) continue;
    bool seen = std::any_of(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(i),
                            [&](const auto& f) { return iequals(f.first, name); });
    if (seen) continue;
    std::string lname = to_lower(name);
    bool covered = std::any_of(policy.conditions.begin(), policy.conditions.end(),
                               [&](const PostCondition& c) { return c.field == lname; });
    if (covered) continue;
    if (!extra.empty()) extra += ", ";
    extra += name;
  }
  if (!extra.empty()) return denied_by_policy("Extra input fields: " + extra);
  return {};
}

s3::Status check_post_content_length(const PostPolicy& policy, uint64_t size) {
  for (const auto& c : policy.conditions) {
    if (c.op != PostCondition::Op::ContentLengthRange) continue;
    if (!c.satisfiable) return denied_by_policy("Policy Condition failed: " + c.text);
    if (size < c.min)
      return s3::Error(s3::Code::EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size")
          .with("ProposedSize", std::to_string(size))
          .with("MinSizeAllowed", std::to_string(c.min));
    if (size > c.max)
      return s3::Error(s3::Code::EntityTooLarge, "Your proposed upload exceeds the maximum allowed size")
          .with("ProposedSize", std::to_string(size))
          .with("MaxSizeAllowed", std::to_string(c.max));
  }
  return {};
}

uint64_t post_max_content_length(const PostPolicy& policy) {
  uint64_t max = std::numeric_limits<uint64_t>::max();
  for (const auto& c : policy.conditions)
    if (c.op == PostCondition::Op::ContentLengthRange && c.satisfiable) max = std::min(max, c.max);
  return max;
}

std::string post_signature_v4(std::string_view secret, std::string_view date, std::string_view region,
                              std::string_view policy_b64) {
  return hex_encode(hmac_sha256_raw(derive_signing_key(secret, date, region, "s3"), policy_b64));
}

std::string post_signature_v2(std::string_view secret, std::string_view policy_b64) {
  return sign_v2(secret, policy_b64);
}

}  // namespace silt::auth
