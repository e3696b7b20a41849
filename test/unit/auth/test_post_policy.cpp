// Browser POST forms: the policy signature (AWS's published example and forms made by
// boto3's generate_presigned_post), policy parsing and condition matching.
#include <catch2/catch.hpp>
#include <string>

#include "auth/post_policy.h"
#include "post_policy_vectors.h"
#include "util/hash.h"
#include "util/time.h"

using namespace silt;
using namespace silt::auth;

namespace {

// From AWS's "Example: Browser-Based Upload using HTTP POST (Using AWS Signature
// Version 4)": the example credentials, the base64 policy exactly as the page gives it
// (CRLF line ends inside), and the signature the page states.
constexpr const char* kAwsAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kAwsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kAwsPolicy =
    "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NG"
    "V4"
    "YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZC"
    "J9"
    "LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3"
    "Nm"
    "dWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLX"
    "V1"
    "aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydH"
    "Mt"
    "d2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNT"
    "Ey"
    "MjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7In"
    "gt"
    "YW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
constexpr const char* kAwsSignature = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

// The example's form (names in the page's mixed case), with ${filename} already
// expanded for a file called photo.jpg.
FormFields aws_example_form() {
  return {
      {"key", "user/user1/photo.jpg"},
      {"acl", "public-read"},
      {"success_action_redirect", "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
      {"Content-Type", "image/jpeg"},
      {"x-amz-meta-uuid", "14365123651274"},
      {"x-amz-server-side-encryption", "AES256"},
      {"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Date", "20151229T000000Z"},
      {"x-amz-meta-tag", ""},
      {"Policy", kAwsPolicy},
      {"X-Amz-Signature", kAwsSignature},
  };
}

CredentialStore store_with(const char* key, const char* secret) {
  CredentialStore s;
  s.add({key, secret, "root"});
  return s;
}

int64_t at(const char* iso) {
  return *parse_iso8601(iso);
}

void set_field(FormFields& f, std::string_view name, std::string value) {
  for (auto& [k, v] : f)
    if (k == name) v = std::move(value);
}

std::string expand_filename(std::string v, std::string_view filename) {
  for (size_t p; (p = v.find("${filename}")) != std::string::npos;) v.replace(p, 11, filename);
  return v;
}

// A policy document from JSON text, as a client would put it in the form.
PostPolicy policy_of(const std::string& conditions, const char* expiration = "2030-01-01T00:00:00Z") {
  auto p = parse_post_policy(
      base64_encode(std::string("{\"expiration\": \"") + expiration + "\", \"conditions\": " + conditions + "}"));
  INFO(conditions);
  REQUIRE(p.ok());
  return *p;
}

}  // namespace

TEST_CASE("AWS's SigV4 POST example signs to the documented signature", "[post_policy]") {
  CHECK(post_signature_v4(kAwsSecret, "20151229", "us-east-1", kAwsPolicy) == kAwsSignature);

  auto store = store_with(kAwsAccessKey, kAwsSecret);
  auto id = authenticate_post(aws_example_form(), store);
  REQUIRE(id.ok());
  CHECK(id->access_key == kAwsAccessKey);
  CHECK(id->region == "us-east-1");

  auto policy = parse_post_policy(kAwsPolicy);
  REQUIRE(policy.ok());
  CHECK(policy->expiration_ms == at("2015-12-30T12:00:00.000Z"));
  CHECK(policy->conditions.size() == 11);
  CHECK(check_post_policy(*policy, aws_example_form(), "sigv4examplebucket", at("2015-12-29T12:00:00Z")).ok());

  SECTION("expired") {
    auto st = check_post_policy(*policy, aws_example_form(), "sigv4examplebucket", at("2015-12-30T12:00:00.001Z"));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == s3::Code::AccessDenied);
    CHECK(st.error().message == "Invalid according to Policy: Policy expired.");
  }
  SECTION("another bucket in the URL") {
    auto st = check_post_policy(*policy, aws_example_form(), "otherbucket", at("2015-12-29T12:00:00Z"));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message ==
          "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$bucket\", \"sigv4examplebucket\"]");
  }
  SECTION("a key outside the prefix") {
    auto form = aws_example_form();
    set_field(form, "key", "user/user2/photo.jpg");
    auto st = check_post_policy(*policy, form, "sigv4examplebucket", at("2015-12-29T12:00:00Z"));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message ==
          "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"user/user1/\"]");
  }
  SECTION("a wrong signature") {
    auto form = aws_example_form();
    std::string sig = kAwsSignature;
    sig[10] = sig[10] == '0' ? '1' : '0';
    set_field(form, "X-Amz-Signature", sig);
    auto r = authenticate_post(form, store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == s3::Code::SignatureDoesNotMatch);
    CHECK(r.error().extra.at("StringToSign") == kAwsPolicy);
    CHECK(r.error().extra.at("SignatureProvided") == sig);
    CHECK(r.error().extra.at("StringToSignBytes").substr(0, 8) == "65 79 41");
  }
  SECTION("an upper-case hex signature is the same signature") {
    auto form = aws_example_form();
    std::string sig = kAwsSignature;
    for (auto& c : sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    set_field(form, "X-Amz-Signature", sig);
    CHECK(authenticate_post(form, store).ok());
  }
  SECTION("the policy truncated") {
    auto form = aws_example_form();
    std::string p = kAwsPolicy;
    set_field(form, "Policy", p.substr(0, p.size() - 2));
    auto r = authenticate_post(form, store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == s3::Code::SignatureDoesNotMatch);
  }
  SECTION("another secret") {
    auto other = store_with(kAwsAccessKey, "not-the-secret");
    auto r = authenticate_post(aws_example_form(), other);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == s3::Code::SignatureDoesNotMatch);
  }
}

TEST_CASE("forms from boto3's generate_presigned_post verify", "[post_policy]") {
  using namespace post_policy_vectors;
  auto store = store_with(kAccessKey, kSecretKey);
  for (const auto& v : all()) {
    INFO(v.name << " (botocore " << kBotocoreVersion << ")");
    FormFields form;
    std::string policy_b64;
    for (auto [k, val] : v.fields) {
      form.emplace_back(k, expand_filename(val, "picture.png"));
      if (std::string_view(k) == "policy") policy_b64 = val;
    }

    if (v.version == 4) {
      auto cred = *form_field(form, "x-amz-credential");
      auto date = cred.substr(cred.find('/') + 1, 8);
      auto region = cred.substr(cred.find('/') + 10, cred.find("/s3/") - cred.find('/') - 10);
      CHECK(post_signature_v4(kSecretKey, date, region, policy_b64) == v.expected_signature);
    } else {
      CHECK(post_signature_v2(kSecretKey, policy_b64) == v.expected_signature);
    }
    auto id = authenticate_post(form, store);
    REQUIRE(id.ok());
    CHECK(id->access_key == kAccessKey);

    auto policy = parse_post_policy(policy_b64);
    REQUIRE(policy.ok());
    CHECK(policy->expiration_ms == v.expiration_ms);
    CHECK(check_post_policy(*policy, form, v.bucket, kNowMs).ok());
    CHECK(check_post_content_length(*policy, 5).ok());

    auto expired = check_post_policy(*policy, form, v.bucket, v.expiration_ms + 1);
    REQUIRE_FALSE(expired.ok());
    CHECK(expired.error().message == "Invalid according to Policy: Policy expired.");

    auto wrong_bucket = check_post_policy(*policy, form, "not-the-bucket", kNowMs);
    REQUIRE_FALSE(wrong_bucket.ok());
    CHECK(wrong_bucket.error().code == s3::Code::AccessDenied);

    auto extra = form;
    extra.emplace_back("x-amz-meta-sneaky", "1");
    auto uncovered = check_post_policy(*policy, extra, v.bucket, kNowMs);
    REQUIRE_FALSE(uncovered.ok());
    CHECK(uncovered.error().message == "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky");
    extra.back().first = "x-ignore-sneaky";
    CHECK(check_post_policy(*policy, extra, v.bucket, kNowMs).ok());

    auto tampered = form;
    set_field(tampered, "policy", base64_encode(R"({"expiration": "2099-01-01T00:00:00Z", "conditions": []})"));
    auto r = authenticate_post(tampered, store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == s3::Code::SignatureDoesNotMatch);

    auto wrong_secret = store_with(kAccessKey, "another secret");
    CHECK(authenticate_post(form, wrong_secret).error().code == s3::Code::SignatureDoesNotMatch);
    CHECK(authenticate_post(form, store_with("AKIDOTHER", kSecretKey)).error().code == s3::Code::InvalidAccessKeyId);
  }
}

TEST_CASE("the signing fields a form must carry", "[post_policy]") {
  auto store = store_with(kAwsAccessKey, kAwsSecret);
  auto without = [](const char* name) {
    FormFields f = aws_example_form();
    std::erase_if(f, [&](const auto& kv) { return kv.first == name; });
    return f;
  };
  struct Case {
    const char* drop;
    s3::Code code;
    const char* argument;  // ArgumentName, when InvalidArgument
  };
  const Case cases[] = {
      {"X-Amz-Signature", s3::Code::InvalidArgument, "X-Amz-Signature"},
      {"X-Amz-Algorithm", s3::Code::InvalidArgument, "X-Amz-Algorithm"},
      {"X-Amz-Credential", s3::Code::InvalidArgument, "X-Amz-Credential"},
      {"X-Amz-Date", s3::Code::InvalidArgument, "X-Amz-Date"},
      {"Policy", s3::Code::InvalidArgument, "Policy"},
  };
  for (const auto& c : cases) {
    INFO(c.drop);
    auto r = authenticate_post(without(c.drop), store);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == c.code);
    CHECK(r.error().extra.at("ArgumentName") == c.argument);
  }
  auto sig_missing = authenticate_post(without("X-Amz-Signature"), store);
  CHECK(sig_missing.error().message ==
        "Bucket POST must contain a field named 'X-Amz-Signature'.  If it is specified, please check the order of "
        "the fields.");

  SECTION("no credentials at all is an anonymous form, which nothing admits") {
    FormFields f = {{"key", "a"}, {"policy", kAwsPolicy}};
    CHECK(authenticate_post(f, store).error().code == s3::Code::AccessDenied);
    CHECK(authenticate_post({{"key", "a"}}, store).error().code == s3::Code::AccessDenied);
  }
  SECTION("SigV2 partners") {
    CHECK(authenticate_post({{"AWSAccessKeyId", kAwsAccessKey}, {"policy", kAwsPolicy}}, store)
              .error()
              .extra.at("ArgumentName") == "Signature");
    CHECK(authenticate_post({{"signature", "x"}, {"policy", kAwsPolicy}}, store).error().extra.at("ArgumentName") ==
          "AWSAccessKeyId");
    auto good = post_signature_v2(kAwsSecret, kAwsPolicy);
    CHECK(authenticate_post({{"awsaccesskeyid", kAwsAccessKey}, {"Policy", kAwsPolicy}, {"Signature", good}}, store)
              .ok());
  }
  SECTION("malformed SigV4 fields") {
    auto with = [&](const char* name, const char* value) {
      FormFields f = aws_example_form();
      set_field(f, name, value);
      return authenticate_post(f, store);
    };
    CHECK(with("X-Amz-Algorithm", "AWS4-HMAC-SHA1").error().extra.at("ArgumentName") == "X-Amz-Algorithm");
    CHECK(with("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3").error().extra.at("ArgumentName") ==
          "X-Amz-Credential");
    CHECK(with("X-Amz-Credential", "/20151229/us-east-1/s3/aws4_request").error().message ==
          "a non-empty Access Key (AKID) must be provided in the credential.");
    CHECK(with("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/ec2/aws4_request").error().code ==
          s3::Code::InvalidArgument);
    CHECK(with("X-Amz-Date", "2015-12-29").error().extra.at("ArgumentName") == "X-Amz-Date");
    CHECK(with("X-Amz-Credential", "AKIDUNKNOWN/20151229/us-east-1/s3/aws4_request").error().code ==
          s3::Code::InvalidAccessKeyId);
    // The region is part of the signing key: signed for us-east-1, claimed for eu-west-1.
    CHECK(with("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request").error().code ==
          s3::Code::SignatureDoesNotMatch);
  }
}

TEST_CASE("policy conditions", "[post_policy]") {
  struct Case {
    const char* conditions;
    FormFields fields;
    bool ok;
  };
  const int64_t now = at("2026-01-01T00:00:00Z");
  const Case cases[] = {
      // exact match, both spellings; names case-insensitive both ways, values exact
      {R"([{"key": "a.txt"}])", {{"key", "a.txt"}}, true},
      {R"([{"key": "a.txt"}])", {{"key", "A.txt"}}, false},
      {R"([["eq", "$key", "a.txt"]])", {{"KEY", "a.txt"}}, true},
      {R"([["EQ", "$KeY", "a.txt"]])", {{"kEy", "a.txt"}}, true},
      {R"([{"Content-Type": "text/plain"}])", {{"content-type", "text/plain"}}, true},
      {R"([["eq", "$key", ""]])", {{"key", ""}}, true},
      {R"([["eq", "$key", ""]])", {{"key", "x"}}, false},
      // a condition on a field the form lacks fails, even starts-with ""
      {R"([{"key": "a"}, ["starts-with", "$x-amz-meta-a", ""]])", {{"key", "a"}}, false},
      // starts-with
      {R"([["starts-with", "$key", "user/"]])", {{"key", "user/a"}}, true},
      {R"([["starts-with", "$key", "user/"]])", {{"key", "User/a"}}, false},
      {R"([["starts-with", "$key", "user/"]])", {{"key", "user"}}, false},
      {R"([["starts-with", "$key", ""]])", {{"key", "anything at all"}}, true},
      {R"([["StArTs-WiTh", "$KeY", "u"]])", {{"key", "u1"}}, true},
      // Content-Type lists: every item must match
      {R"([["starts-with", "$Content-Type", "image/"]])", {{"Content-Type", "image/jpg,image/png"}}, true},
      {R"([["starts-with", "$Content-Type", "image/"]])", {{"Content-Type", "image/jpg,text/plain"}}, false},
      // ... and only Content-Type is a list
      {R"([["starts-with", "$key", "a"]])", {{"key", "a,b"}}, true},
      {R"([["starts-with", "$key", "b"]])", {{"key", "a,b"}}, false},
      // a field named without '$' matches nothing
      {R"([["eq", "key", "a"]])", {{"key", "a"}}, false},
      // several conditions on one field all hold
      {R"([["starts-with", "$key", "a"], ["starts-with", "$key", "ab"]])", {{"key", "abc"}}, true},
      {R"([["starts-with", "$key", "a"], ["starts-with", "$key", "ax"]])", {{"key", "abc"}}, false},
      // repeated fields match as one comma-joined value
      {R"([{"x-amz-meta-tag": "Ninja,Stallman"}])",
       {{"x-amz-meta-tag", "Ninja"}, {"x-amz-meta-tag", "Stallman"}},
       true},
      // coverage: every field but the exempt ones needs a condition
      {R"([{"key": "a"}])", {{"key", "a"}, {"acl", "private"}}, false},
      {R"([{"key": "a"}])",
       {{"key", "a"},
        {"policy", "p"},
        {"x-amz-signature", "s"},
        {"Signature", "s"},
        {"AWSAccessKeyId", "k"},
        {"X-Ignore-Foo", "1"}},
       true},
      // the bucket condition reads the URL's bucket, field or no field
      {R"([{"bucket": "b"}, {"key": "a"}])", {{"key", "a"}}, true},
      {R"([{"bucket": "other"}, {"key": "a"}])", {{"key", "a"}}, false},
      {R"([{"bucket": "b"}, {"key": "a"}])", {{"key", "a"}, {"bucket", "b"}}, true},
      {R"([["starts-with", "$bucket", ""], {"key": "a"}])", {{"key", "a"}}, true},
      // content-length-range is checked after the upload, except when it can never hold
      {R"([{"key": "a"}, ["content-length-range", 0, 0]])", {{"key", "a"}}, true},
      {R"([{"key": "a"}, ["content-length-range", "test", "10"]])", {{"key", "a"}}, false},
  };
  for (const auto& c : cases) {
    INFO(c.conditions);
    auto policy = policy_of(c.conditions);
    auto st = check_post_policy(policy, c.fields, "b", now);
    CHECK(st.ok() == c.ok);
    if (!st.ok()) CHECK(st.error().code == s3::Code::AccessDenied);
  }

  SECTION("the failed condition is quoted as S3 quotes it") {
    auto st = check_post_policy(policy_of(R"([{"Key": "say \"hi\""}])"), {{"key", "x"}}, "b", now);
    CHECK(st.error().message ==
          R"(Invalid according to Policy: Policy Condition failed: ["eq", "$Key", "say \"hi\""])");
    st = check_post_policy(policy_of(R"([["content-length-range", "test", "10"]])"), {}, "b", now);
    CHECK(st.error().message ==
          R"(Invalid according to Policy: Policy Condition failed: ["content-length-range", "test", "10"])");
  }
  SECTION("every uncovered field is named as sent") {
    auto st =
        check_post_policy(policy_of(R"([{"key": "a"}])"), {{"key", "a"}, {"Filename", "x"}, {"dzuuid", "y"}}, "b", now);
    CHECK(st.error().message == "Invalid according to Policy: Extra input fields: Filename, dzuuid");
  }
  SECTION("expiration: milliseconds or none, and the instant itself still valid") {
    auto p = policy_of(R"([])", "2026-01-01T00:00:00.000Z");
    CHECK(check_post_policy(p, {}, "b", now).ok());
    CHECK_FALSE(check_post_policy(p, {}, "b", now + 1).ok());
  }
}

TEST_CASE("content-length-range", "[post_policy]") {
  auto p = policy_of(R"([["content-length-range", 5, 10]])");
  CHECK(check_post_content_length(p, 5).ok());
  CHECK(check_post_content_length(p, 10).ok());
  auto small = check_post_content_length(p, 4);
  REQUIRE_FALSE(small.ok());
  CHECK(small.error().code == s3::Code::EntityTooSmall);
  CHECK(small.error().extra.at("ProposedSize") == "4");
  CHECK(small.error().extra.at("MinSizeAllowed") == "5");
  auto large = check_post_content_length(p, 11);
  REQUIRE_FALSE(large.ok());
  CHECK(large.error().code == s3::Code::EntityTooLarge);
  CHECK(large.error().extra.at("MaxSizeAllowed") == "10");
  CHECK(post_max_content_length(p) == 10);

  auto strings = policy_of(R"([["content-length-range", "5", "10"]])");
  CHECK(check_post_content_length(strings, 7).ok());
  CHECK_FALSE(check_post_content_length(strings, 11).ok());

  auto two = policy_of(R"([["content-length-range", 0, 100], ["content-length-range", 50, 60]])");
  CHECK_FALSE(check_post_content_length(two, 20).ok());
  CHECK(check_post_content_length(two, 55).ok());
  CHECK(post_max_content_length(two) == 60);

  auto none = policy_of(R"([{"key": "a"}])");
  CHECK(check_post_content_length(none, 1ULL << 40).ok());
  CHECK(post_max_content_length(none) == UINT64_MAX);
}

TEST_CASE("malformed policies", "[post_policy]") {
  struct Case {
    std::string b64;
    const char* message;
  };
  auto enc = [](const char* json) { return base64_encode(json); };
  const Case cases[] = {
      {"!!!!", "Invalid Policy: invalid Base64 encoding."},
      {"", "Invalid Policy: invalid Base64 encoding."},
      {enc("{not json"), "Invalid Policy: Invalid JSON."},
      {enc("[]"), "Invalid Policy: Invalid JSON."},
      {enc(R"({"conditions": []})"), "Invalid Policy: Policy missing expiration."},
      {enc(R"({"EXPIRATION": "2030-01-01T00:00:00Z", "conditions": []})"), "Invalid Policy: Unexpected: 'expiration'."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z"})"), "Invalid Policy: Policy missing conditions."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "CONDITIONS": []})"), "Invalid Policy: Unexpected: 'conditions'."},
      {enc(R"({"expiration": "2011-09-13T07:52:58+02:00", "conditions": []})"),
       "Invalid Policy: Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'"},
      {enc(R"({"expiration": "2015-10-17 03:15:59 UTC", "conditions": []})"),
       "Invalid Policy: Invalid 'expiration' value: '2015-10-17 03:15:59 UTC'"},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": {}})"),
       "Invalid Policy: Invalid 'conditions' value: must be a List."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [{}]})"),
       "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [{"bucket": "b", "key": "k"}]})"),
       "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [{"Content-Length": 6199034}]})"),
       "Invalid Policy: Invalid Simple-Condition: value must be a string."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [[]]})"),
       "Invalid Policy: Invalid Condition: missing operation identifier."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [["ends-with", "$key", "x"]]})"),
       "Invalid Policy: Invalid Condition: unknown operation 'ends-with'."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "$key"]]})"),
       "Invalid Policy: Invalid eq: wrong number of arguments."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 0]]})"),
       "Invalid Policy: Invalid content-length-range: wrong number of arguments."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", -1, 0]]})"),
       "Invalid Policy: Invalid content-length-range: the range must be non-negative."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 0, 512.0]]})"),
       "Invalid Policy: Invalid JSON."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "$key", 5]]})"),
       "Invalid Policy: Invalid JSON."},
      {enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [5]})"),
       "Invalid Policy: Invalid condition test: must be a List or Object."},
  };
  for (const auto& c : cases) {
    INFO(c.b64);
    auto p = parse_post_policy(c.b64);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().code == s3::Code::InvalidPolicyDocument);
    CHECK(p.error().message == c.message);
  }

  SECTION("base64 wrapped in lines still decodes") {
    std::string b64 = enc(R"({"expiration": "2030-01-01T00:00:00Z", "conditions": [{"key": "a"}]})");
    b64.insert(20, "\n");
    b64.insert(41, "\r\n");
    auto p = parse_post_policy(b64);
    REQUIRE(p.ok());
    CHECK(p->conditions.size() == 1);
  }
  SECTION("JSON escapes in values are decoded") {
    auto p = policy_of(R"([{"x-amz-meta-name": "caf\u00e9"}])");
    CHECK(p.conditions[0].value == "caf\xc3\xa9");
  }
}
