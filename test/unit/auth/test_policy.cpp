// auth/policy.h (parse and evaluate bucket policies) and the access rules of
// auth/access.h that combine a policy with ownership and canned ACLs.
#include <catch2/catch.hpp>
#include <string>

#include "auth/access.h"
#include "auth/policy.h"

using namespace silt::auth;

namespace {

std::string one(const std::string& statement) {
  return R"({"Version":"2012-10-17","Statement":[)" + statement + "]}";
}

std::string malformed_message(const std::string& doc, std::string_view bucket = "b") {
  auto p = parse_policy(doc, bucket);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().code == s3::Code::MalformedPolicy);
  return p.error().message;
}

Policy parsed(const std::string& doc) {
  auto p = parse_policy(doc, "b");
  if (!p) FAIL(p.error().message);
  return *p;
}

PolicyEffect eval(const Policy& p, std::string_view user, std::string_view action, std::string_view resource,
                  const PolicyFacts* facts = nullptr) {
  return evaluate(p, PolicyQuery{user.empty(), user, action, resource, facts, false, {}});
}

const std::string kPublicRead =
    one(R"({"Sid":"pub","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})");

}  // namespace

TEST_CASE("wildcards: * any run, ? one character, case only where asked") {
  CHECK(wildcard_match("s3:Get*", "s3:GetObject", false));
  CHECK(wildcard_match("s3:get*", "s3:GetObject", true));
  CHECK_FALSE(wildcard_match("s3:get*", "s3:GetObject", false));
  CHECK(wildcard_match("a?c", "abc", false));
  CHECK_FALSE(wildcard_match("a?c", "ac", false));
  CHECK(wildcard_match("*", "", false));
  CHECK(wildcard_match("arn:aws:s3:::b/*/x*", "arn:aws:s3:::b/d/e/xy", false));
  CHECK_FALSE(wildcard_match("arn:aws:s3:::b/*/x", "arn:aws:s3:::b/d/xy", false));
}

TEST_CASE("CIDR ranges for aws:SourceIp, IPv4 and IPv6") {
  CHECK(ip_in_cidr("127.0.0.1", "127.0.0.1/32"));
  CHECK(ip_in_cidr("127.9.3.1", "127.0.0.0/8"));
  CHECK_FALSE(ip_in_cidr("127.0.0.1", "10.0.0.0/8"));
  CHECK(ip_in_cidr("::ffff:127.0.0.1", "127.0.0.0/8"));
  CHECK(ip_in_cidr("2001:db8::5", "2001:db8::/32"));
  CHECK_FALSE(ip_in_cidr("2001:db9::5", "2001:db8::/32"));
  CHECK(ip_in_cidr("192.0.2.7", "192.0.2.7"));
  CHECK_FALSE(ip_in_cidr("192.0.2.7", "192.0.2.0/33"));
  CHECK_FALSE(ip_in_cidr("nonsense", "0.0.0.0/0"));
}

TEST_CASE("the forms of a valid policy parse") {
  auto p = parsed(kPublicRead);
  REQUIRE(p.statements.size() == 1);
  CHECK(p.statements[0].any_principal);
  CHECK(p.statements[0].allow);
  CHECK(p.statements[0].sid == "pub");
  // A single statement object, the 2008 version, {"AWS": [...]} with ARNs and bare names.
  auto q = parsed(R"({"Version":"2008-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":
      ["arn:aws:iam::123456789012:user/alice","bob"]},"NotAction":["s3:List*"],
      "NotResource":"arn:aws:s3:::b/public/*"}})");
  REQUIRE(q.statements.size() == 1);
  CHECK(q.statements[0].principals == std::vector<std::string>{"alice", "bob"});
  CHECK(q.statements[0].not_action);
  CHECK(q.statements[0].not_resource);
  CHECK(parse_policy(one(R"({"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"arn:aws:s3:::b"})"), "b")
            .ok());
}

TEST_CASE("malformed policies are refused with AWS's messages") {
  CHECK(malformed_message("not json") == "Policies must be valid JSON and the first byte must be '{'");
  CHECK(malformed_message("{\"Statement\": [") == "This policy contains invalid Json");
  CHECK(malformed_message(R"({"Version":"2012-10-17"})") == "Missing required field Statement");
  CHECK(malformed_message(
            one(R"({"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")) ==
        "Invalid effect: Maybe");
  CHECK(malformed_message(one(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")) ==
        "Missing required field Principal");
  CHECK(malformed_message(
            one(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"})")) ==
        "Policy has invalid resource");
  CHECK(malformed_message(one(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"})")) ==
        "Policy has invalid resource");
  CHECK(malformed_message(
            one(R"({"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances","Resource":"arn:aws:s3:::b/*"})")) ==
        "Policy has invalid action");
  CHECK(malformed_message(
            one(R"({"Effect":"Allow","Principal":{"Service":"x"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"})")) ==
        "Invalid principal in policy");
  CHECK(malformed_message(one(R"({"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*",
      "Condition":{"StringEquals":{"s3:nosuchkey":"x"}}})")) == "Policy has an invalid condition key");
  CHECK(malformed_message(one(R"({"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*",
      "Condition":{"StringSometimes":{"s3:prefix":"x"}}})")) == "Invalid Condition type : StringSometimes");
  CHECK(malformed_message(one(R"({"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*",
      "Condition":{"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}}})"))
            .find("Invalid IP address") == 0);
  CHECK(malformed_message(R"({"Version":"2013-01-01","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::b"}})") == "Policy has invalid version");
  std::string big = "{\"Id\":\"" + std::string(kMaxPolicyBytes, 'x') + "\"}";
  CHECK(malformed_message(big) == "Policies cannot exceed 20 KB in size");
}

TEST_CASE("evaluation: explicit Deny wins, then Allow, else nothing") {
  auto p = parsed(R"({"Statement":[
    {"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"},
    {"Effect":"Deny","Principal":{"AWS":"mallory"},"Action":"s3:Delete*","Resource":"arn:aws:s3:::b/*"}]})");
  CHECK(eval(p, "alice", "s3:DeleteObject", "arn:aws:s3:::b/k") == PolicyEffect::Allow);
  CHECK(eval(p, "mallory", "s3:DeleteObject", "arn:aws:s3:::b/k") == PolicyEffect::Deny);
  CHECK(eval(p, "mallory", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyEffect::Allow);
  CHECK(eval(p, "", "s3:getobject", "arn:aws:s3:::b/k") == PolicyEffect::Allow);  // actions ignore case
  CHECK(eval(p, "alice", "s3:ListBucket", "arn:aws:s3:::b") == PolicyEffect::None);
}

TEST_CASE("named principals never match anonymous callers; * does") {
  auto p = parsed(one(
      R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"));
  CHECK(eval(p, "alice", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyEffect::Allow);
  CHECK(eval(p, "bob", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyEffect::None);
  CHECK(eval(p, "", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyEffect::None);
  CHECK(eval(parsed(kPublicRead), "", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyEffect::Allow);
}

TEST_CASE("a CanonicalUser principal matches the user's canonical id, never a name") {
  const std::string alice_id(64, 'a'), bob_id(64, 'b');
  auto p = parsed(one(R"({"Effect":"Allow","Principal":{"CanonicalUser":")" + std::string(64, 'A') +
                      R"("},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"));
  auto as = [&](std::string_view user, std::string_view id) {
    return evaluate(p, PolicyQuery{false, user, "s3:GetObject", "arn:aws:s3:::b/k", nullptr, false, id});
  };
  CHECK(as("alice", alice_id) == PolicyEffect::Allow);
  CHECK(as("bob", bob_id) == PolicyEffect::None);
  // A user whose name is the id matches only by its own id.
  CHECK(as(alice_id, bob_id) == PolicyEffect::None);
  CHECK(eval(p, "", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyEffect::None);
  // A user name where AWS takes a canonical id is an invalid principal.
  CHECK(
      malformed_message(one(
          R"({"Effect":"Allow","Principal":{"CanonicalUser":"alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")) ==
      "Invalid principal in policy");
}

TEST_CASE("NotAction and NotResource invert the match") {
  auto p = parsed(
      one(R"({"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","NotResource":"arn:aws:s3:::b/open/*"})"));
  CHECK(eval(p, "u", "s3:PutObject", "arn:aws:s3:::b/k") == PolicyEffect::Deny);
  CHECK(eval(p, "u", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyEffect::None);
  CHECK(eval(p, "u", "s3:PutObject", "arn:aws:s3:::b/open/k") == PolicyEffect::None);
}

TEST_CASE("conditions: string, IP, Bool, numeric; absent keys; IfExists") {
  PolicyFacts facts;
  facts.set("aws:sourceip", "127.0.0.1");
  facts.set("aws:securetransport", "false");
  facts.set("s3:prefix", "home/alice/");
  facts.set("s3:max-keys", "50");
  auto cond = [&](const std::string& c) {
    return eval(
        parsed(one(R"({"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b","Condition":)" + c +
                   "}")),
        "u", "s3:ListBucket", "arn:aws:s3:::b", &facts);
  };
  CHECK(cond(R"({"StringLike":{"s3:prefix":["home/alice/*",""]}})") == PolicyEffect::Allow);
  CHECK(cond(R"({"StringEquals":{"s3:prefix":"home/"}})") == PolicyEffect::None);
  CHECK(cond(R"({"StringNotLike":{"s3:prefix":["secret/*","x"]}})") == PolicyEffect::Allow);
  CHECK(cond(R"({"StringNotEquals":{"s3:prefix":["home/alice/"]}})") == PolicyEffect::None);
  CHECK(cond(R"({"IpAddress":{"aws:SourceIp":"127.0.0.1/32"}})") == PolicyEffect::Allow);
  CHECK(cond(R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}})") == PolicyEffect::None);
  CHECK(cond(R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})") == PolicyEffect::Allow);
  CHECK(cond(R"({"Bool":{"aws:SecureTransport":"false"}})") == PolicyEffect::Allow);
  CHECK(cond(R"({"Bool":{"aws:SecureTransport":true}})") == PolicyEffect::None);
  CHECK(cond(R"({"NumericLessThanEquals":{"s3:max-keys":"100"}})") == PolicyEffect::Allow);
  CHECK(cond(R"({"NumericGreaterThan":{"s3:max-keys":"100"}})") == PolicyEffect::None);
  // Absent key: positive operators fail, negated ones hold, IfExists holds.
  CHECK(cond(R"({"StringEquals":{"s3:delimiter":"/"}})") == PolicyEffect::None);
  CHECK(cond(R"({"StringNotEquals":{"s3:delimiter":"/"}})") == PolicyEffect::Allow);
  CHECK(cond(R"({"StringEqualsIfExists":{"s3:delimiter":"/"}})") == PolicyEffect::Allow);
  // Several keys and operators are ANDed.
  CHECK(cond(R"({"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},"StringEquals":{"s3:prefix":"nope"}})") ==
        PolicyEffect::None);
}

TEST_CASE("GetBucketPolicyStatus: public means anyone, unconditionally") {
  CHECK(is_public(parsed(kPublicRead)));
  CHECK_FALSE(
      is_public(parsed(one(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
      "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}})"))));
  CHECK_FALSE(is_public(
      parsed(one(R"({"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"})"))));
  CHECK_FALSE(
      is_public(parsed(one(R"({"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"})"))));
}

TEST_CASE("one evaluator: admin, owner, policy, ACLs") {
  auto deny_all = parsed(
      one(R"({"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]})"));
  auto pub = parsed(kPublicRead);
  const Principal admin{"root", true, false, {}}, owner{"alice", false, false, {}}, other{"bob", false, false, {}},
      anon{"", false, true, {}};
  auto req = [](Principal who, bool own, std::string_view action, std::string_view res, const Policy* p) {
    AccessRequest r;
    r.who = who;
    r.owner = own;
    r.action = action;
    r.resource = res;
    r.policy = p;
    return r;
  };
  // The admin is never denied.
  CHECK(decide(req(admin, false, "s3:GetObject", "arn:aws:s3:::b/k", &deny_all)).status.ok());
  // The owner may do everything unless denied, but can always fix the policy.
  CHECK(decide(req(owner, true, "s3:PutObject", "arn:aws:s3:::b/k", nullptr)).status.ok());
  CHECK_FALSE(decide(req(owner, true, "s3:PutObject", "arn:aws:s3:::b/k", &deny_all)).status.ok());
  CHECK(decide(req(owner, true, "s3:DeleteBucketPolicy", "arn:aws:s3:::b", &deny_all)).status.ok());
  CHECK(decide(req(owner, true, "s3:PutBucketPolicy", "arn:aws:s3:::b", &deny_all)).status.ok());
  CHECK_FALSE(decide(req(other, false, "s3:DeleteBucketPolicy", "arn:aws:s3:::b", &deny_all)).status.ok());
  // Others need an Allow, or an ACL grant.
  CHECK(decide(req(anon, false, "s3:GetObject", "arn:aws:s3:::b/k", &pub)).status.ok());
  CHECK_FALSE(decide(req(anon, false, "s3:PutObject", "arn:aws:s3:::b/k", &pub)).status.ok());
  auto d = decide(req(other, false, "s3:GetObject", "arn:aws:s3:::b/k", nullptr));
  CHECK(d.status.error().code == s3::Code::AccessDenied);
  CHECK(d.needs_object_acl);
  const Grants authenticated_read = canned_grants("authenticated-read", ""),
               public_read = canned_grants("public-read", "");
  auto r = req(anon, false, "s3:GetObject", "arn:aws:s3:::b/k", nullptr);
  r.object_acl = &authenticated_read;
  CHECK_FALSE(decide(r).status.ok());
  CHECK_FALSE(decide(r).needs_object_acl);
  r.who = other;
  CHECK(decide(r).status.ok());
  r.object_acl = &public_read;
  r.who = anon;
  CHECK(decide(r).status.ok());
  // An explicit Deny beats an object ACL grant.
  r.policy = &deny_all;
  CHECK_FALSE(decide(r).status.ok());
  // The bucket ACL grants listing only.
  auto l = req(anon, false, "s3:ListBucket", "arn:aws:s3:::b", nullptr);
  l.bucket_acl = &public_read;
  CHECK(decide(l).status.ok());
  l.action = "s3:PutObject";
  CHECK_FALSE(decide(l).status.ok());
  CHECK_FALSE(decide(l).needs_object_acl);
}

TEST_CASE("the bucket's policy and ACL are its owner's alone, whatever a policy grants") {
  auto grant_all = parsed(
      one(R"({"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]})"));
  const Principal admin{"root", true, false, {}}, owner{"alice", false, false, {}}, other{"bob", false, false, {}},
      anon{"", false, true, {}};
  auto req = [&](Principal who, bool own, std::string_view action, const Policy* p) {
    AccessRequest r;
    r.who = who;
    r.owner = own;
    r.action = action;
    r.resource = "arn:aws:s3:::b";
    r.policy = p;
    return decide(r).status;
  };
  for (auto action : {"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"}) {
    CAPTURE(action);
    CHECK(req(owner, true, action, &grant_all).ok());
    CHECK(req(admin, false, action, &grant_all).ok());
    // AWS's answer to a permitted identity outside the owner's account.
    CHECK(req(other, false, action, &grant_all).error().code == s3::Code::MethodNotAllowed);
    CHECK(req(anon, false, action, &grant_all).error().code == s3::Code::MethodNotAllowed);
    CHECK(req(other, false, action, nullptr).error().code == s3::Code::AccessDenied);
  }
  CHECK(req(owner, true, "s3:PutBucketAcl", &grant_all).ok());
  CHECK(req(admin, false, "s3:PutBucketAcl", nullptr).ok());
  CHECK(req(other, false, "s3:PutBucketAcl", &grant_all).error().code == s3::Code::AccessDenied);
  CHECK(req(anon, false, "s3:PutBucketAcl", &grant_all).error().code == s3::Code::AccessDenied);
  // The same policy still grants everything else, object ACLs included (WRITE_ACP is per object in AWS).
  CHECK(req(other, false, "s3:PutBucketCORS", &grant_all).ok());
  CHECK(req(other, false, "s3:PutObjectAcl", &grant_all).ok());
}

TEST_CASE("a write setting an ACL that grants more than private also needs s3:PutObjectAcl") {
  // log-delivery-write grants the LogDelivery group WRITE and READ_ACP since grants are
  // real (issue 19 item 4), so it is more than private too.
  for (auto v : {"public-read", "public-read-write", "authenticated-read", "log-delivery-write", "no-such-acl"})
    CHECK(acl_needs_permission(v));
  for (auto v : {"", "private", "bucket-owner-full-control", "bucket-owner-read", "aws-exec-read"})
    CHECK_FALSE(acl_needs_permission(v));
}

TEST_CASE("x-amz-expected-bucket-owner names the owner as silt reports it") {
  CHECK(owner_is("alice", "alice", "root"));
  CHECK_FALSE(owner_is("bob", "alice", "root"));
  CHECK(owner_is("root", "", "root"));  // the admin's buckets carry no recorded owner
  CHECK_FALSE(owner_is("", "", ""));
  CHECK_FALSE(owner_is("Alice", "alice", "root"));
}

TEST_CASE("anonymous callers may not list buckets or create one") {
  const Principal anon{"", false, true, {}};
  CHECK(decide(anon, Action::ListBuckets, Owner(), "root").error().code == s3::Code::AccessDenied);
  CHECK(decide(anon, Action::CreateBucket, Owner(), "root").error().code == s3::Code::AccessDenied);
  // An anonymous caller never owns the admin's buckets, even with no admin configured.
  CHECK_FALSE(owns(anon, "", ""));
}
