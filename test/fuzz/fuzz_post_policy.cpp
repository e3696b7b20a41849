// Browser POST uploads: the policy document (JSON inside base64), its conditions
// checked against form fields, and the form's signature fields.
// Input: the policy JSON, then "\n--\n", then form fields as "name: value" lines.
#include <cstdlib>

#include "auth/post_policy.h"
#include "fuzz_input.h"
#include "util/hash.h"

using namespace silt;

namespace {
constexpr int64_t kNowMs = 1704067200000;  // 2024-01-01T00:00:00Z

const auth::CredentialStore& store() {
  static auth::CredentialStore s = [] {
    auth::CredentialStore c;
    c.add({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "root"});
    return c;
  }();
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  size_t sep = in.find("\n--\n");
  std::string_view policy_json = in.substr(0, sep);
  std::string_view form = sep == std::string_view::npos ? std::string_view{} : in.substr(sep + 4);

  auth::FormFields fields;
  for (auto line : fuzz::lines(form)) {
    auto [name, value] = fuzz::header_line(line);
    fields.emplace_back(std::string(name), std::string(value));
  }
  std::string policy_b64 = base64_encode(policy_json);
  fields.emplace_back("policy", policy_b64);

  (void)auth::parse_post_policy(in);  // raw bytes as the base64 field
  auto policy = auth::parse_post_policy(policy_b64);
  if (policy) {
    (void)auth::check_post_policy(*policy, fields, "bucket", kNowMs);
    uint64_t max = auth::post_max_content_length(*policy);
    (void)auth::check_post_content_length(*policy, 0);
    (void)auth::check_post_content_length(*policy, max);
    (void)auth::check_post_content_length(*policy, UINT64_MAX);
  }
  (void)auth::form_field(fields, "key");
  auto id = auth::authenticate_post(fields, store());
  if (id && id->access_key != "AKIAIOSFODNN7EXAMPLE") std::abort();
  return 0;
}
