// Issue 19 item 5: the policy conditions Null, ArnEquals/ArnLike (and their negations),
// ForAnyValue:/ForAllValues:, the keys s3:ExistingObjectTag/<k>, s3:RequestObjectTag/<k>,
// s3:RequestObjectTagKeys, s3:x-amz-server-side-encryption, s3:x-amz-grant-*,
// aws:SourceArn; and the bucket settings that narrow ACLs and policies
// (auth/public_access.h, AccessRequest::acls_ignored / restrict_public).
#include <catch2/catch.hpp>
#include <string>

#include "auth/access.h"
#include "auth/policy.h"
#include "auth/public_access.h"

using namespace silt::auth;

namespace {

Policy parsed(const std::string& doc) {
  auto p = parse_policy(doc, "b");
  if (!p) FAIL(p.error().message);
  return *p;
}

// An Allow of everything on b/* under one Condition block.
Policy allow_if(const std::string& condition) {
  return parsed(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::b/*","Condition":)" +
                condition + "}]}");
}

bool allows(const Policy& p, const PolicyFacts& facts) {
  return evaluate(p, PolicyQuery{false, "u", "s3:PutObject", "arn:aws:s3:::b/k", &facts, false, {}}) ==
         PolicyEffect::Allow;
}

s3::Code refusal(const std::string& condition) {
  auto p = parse_policy(R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::b/*","Condition":)" +
                            condition + "}]}",
                        "b");
  REQUIRE_FALSE(p.ok());
  return p.error().code;
}

}  // namespace

TEST_CASE("Null: true when the request has no value for the key, false when it has one") {
  PolicyFacts none, sse;
  sse.set("s3:x-amz-server-side-encryption", "AES256");
  auto absent = allow_if(R"({"Null":{"s3:x-amz-server-side-encryption":"true"}})");
  CHECK(allows(absent, none));
  CHECK_FALSE(allows(absent, sse));
  auto present = allow_if(R"({"Null":{"s3:x-amz-server-side-encryption":false}})");
  CHECK_FALSE(allows(present, none));
  CHECK(allows(present, sse));
  // The deny-unencrypted-uploads pattern of AWS's documentation.
  auto deny = parsed(R"({"Statement":[
    {"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},
    {"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*",
     "Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}}]})");
  CHECK_FALSE(allows(deny, none));
  CHECK(allows(deny, sse));
  // Null is about existence: IfExists, set qualifiers and non-booleans are refused.
  CHECK(refusal(R"({"NullIfExists":{"aws:SourceArn":"true"}})") == s3::Code::MalformedPolicy);
  CHECK(refusal(R"({"ForAnyValue:Null":{"aws:SourceArn":"true"}})") == s3::Code::MalformedPolicy);
  CHECK(refusal(R"({"Null":{"aws:SourceArn":"maybe"}})") == s3::Code::MalformedPolicy);
}

TEST_CASE("ArnEquals/ArnLike on aws:SourceArn: wildcards; absent on direct requests") {
  PolicyFacts direct, via;
  via.set("aws:sourcearn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/main");
  for (auto op : {"ArnLike", "ArnEquals"}) {
    CAPTURE(op);
    auto p =
        allow_if(std::string(R"({")") + op + R"(":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}})");
    CHECK_FALSE(allows(p, direct));  // absent: a positive operator is false
    CHECK(allows(p, via));
  }
  auto other = allow_if(R"({"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:999999999999:trail/*"}})");
  CHECK_FALSE(allows(other, via));
  // Negated: absent holds, a match does not.
  auto not_like = allow_if(R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:cloudtrail:*"}})");
  CHECK(allows(not_like, direct));
  CHECK_FALSE(allows(not_like, via));
  auto not_equals = allow_if(R"({"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:*"}})");
  CHECK(allows(not_equals, via));
  CHECK(allows(allow_if(R"({"Null":{"aws:SourceArn":"true"}})"), direct));
  CHECK(allows(allow_if(R"({"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*"}})"), direct));
}

TEST_CASE("tag keys: s3:ExistingObjectTag/<k> and s3:RequestObjectTag/<k> compare the tag key as written") {
  auto p = parse_policy(R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/Project":"lake"}}}]})",
                        "b");
  REQUIRE(p.ok());
  CHECK(p->uses_existing_object_tags);
  CHECK_FALSE(p->uses_request_object_tags);
  REQUIRE(p->statements[0].conditions.size() == 1);
  CHECK(p->statements[0].conditions[0].key == "s3:existingobjecttag/Project");
  PolicyFacts tagged, wrong_case, untagged;
  tagged.set("s3:existingobjecttag/Project", "lake");
  wrong_case.set("s3:existingobjecttag/project", "lake");
  CHECK(evaluate(*p, PolicyQuery{true, "", "s3:GetObject", "arn:aws:s3:::b/k", &tagged, false, {}}) ==
        PolicyEffect::Allow);
  CHECK(evaluate(*p, PolicyQuery{true, "", "s3:GetObject", "arn:aws:s3:::b/k", &wrong_case, false, {}}) ==
        PolicyEffect::None);
  CHECK(evaluate(*p, PolicyQuery{true, "", "s3:GetObject", "arn:aws:s3:::b/k", &untagged, false, {}}) ==
        PolicyEffect::None);

  auto r = allow_if(R"({"StringEquals":{"s3:RequestObjectTag/env":["dev","test"]}})");
  PolicyFacts dev, prod;
  dev.set("s3:requestobjecttag/env", "dev");
  prod.set("s3:requestobjecttag/env", "prod");
  CHECK(allows(r, dev));
  CHECK_FALSE(allows(r, prod));
  // An empty tag key names nothing.
  CHECK(refusal(R"({"StringEquals":{"s3:RequestObjectTag/":"x"}})") == s3::Code::MalformedPolicy);
}

TEST_CASE("s3:RequestObjectTagKeys is multi-valued: ForAllValues and ForAnyValue") {
  PolicyFacts two, none;
  two.set("s3:requestobjecttagkeys", "env");
  two.set("s3:requestobjecttagkeys", "owner");
  PolicyFacts bad = two;
  bad.set("s3:requestobjecttagkeys", "secret");
  // Only these keys may be set (none at all is fine: ForAllValues of nothing holds).
  auto only = allow_if(R"({"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["env","owner","team"]}})");
  CHECK(allows(only, two));
  CHECK_FALSE(allows(only, bad));
  CHECK(allows(only, none));
  // At least one of these keys must be set.
  auto one_of = allow_if(R"({"ForAnyValue:StringEquals":{"s3:RequestObjectTagKeys":"owner"}})");
  CHECK(allows(one_of, two));
  CHECK_FALSE(allows(one_of, none));
  auto p = parse_policy(R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::b/*","Condition":{"ForAnyValue:StringLike":{"s3:RequestObjectTagKeys":"o*"}}}]})",
                        "b");
  REQUIRE(p.ok());
  CHECK(p->uses_request_object_tags);
  CHECK(refusal(R"({"ForSomeValues:StringEquals":{"s3:RequestObjectTagKeys":"x"}})") == s3::Code::MalformedPolicy);
}

TEST_CASE("s3:x-amz-grant-* and s3:x-amz-acl are condition keys") {
  PolicyFacts facts;
  facts.set("s3:x-amz-grant-full-control", "id=alice");
  facts.set("s3:x-amz-acl", "bucket-owner-full-control");
  CHECK(allows(allow_if(R"({"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}})"), facts));
  CHECK(allows(allow_if(R"({"StringLike":{"s3:x-amz-grant-full-control":"id=*"}})"), facts));
  CHECK(allows(allow_if(R"({"Null":{"s3:x-amz-grant-read":"true"}})"), facts));
  CHECK(refusal(R"({"StringEquals":{"s3:x-amz-grant-everything":"x"}})") == s3::Code::MalformedPolicy);
}

TEST_CASE("RestrictPublicBuckets: public statements admit no one; named users still get theirs") {
  auto p = parsed(R"({"Statement":[
    {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
    {"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},
    {"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b",
     "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})");
  PolicyFacts facts;
  facts.set("aws:sourceip", "10.1.2.3");
  auto q = [&](bool anon, std::string_view user, std::string_view action, std::string_view res, bool restrict) {
    PolicyQuery query{anon, user, action, res, &facts, false, {}};
    query.restrict_public = restrict;
    return evaluate(p, query);
  };
  CHECK(q(true, "", "s3:GetObject", "arn:aws:s3:::b/k", false) == PolicyEffect::Allow);
  CHECK(q(true, "", "s3:GetObject", "arn:aws:s3:::b/k", true) == PolicyEffect::None);
  CHECK(q(false, "bob", "s3:GetObject", "arn:aws:s3:::b/k", true) == PolicyEffect::None);
  CHECK(q(false, "alice", "s3:PutObject", "arn:aws:s3:::b/k", true) == PolicyEffect::Allow);
  // A statement narrowed by a condition is not public, so it still applies.
  CHECK(q(true, "", "s3:ListBucket", "arn:aws:s3:::b", true) == PolicyEffect::Allow);
}

TEST_CASE("IgnorePublicAcls / BucketOwnerEnforced: ACL grants admit no one") {
  AccessRequest r;
  r.who = Principal{"", false, true, {}};
  r.action = "s3:ListBucket";
  r.resource = "arn:aws:s3:::b";
  const Grants public_read = canned_grants("public-read", "");
  r.bucket_acl = &public_read;
  CHECK(decide(r).status.ok());
  r.ignore_public_acls = true;
  CHECK(decide(r).status.error().code == s3::Code::AccessDenied);
  r.ignore_public_acls = false;
  r.acls_disabled = true;
  CHECK(decide(r).status.error().code == s3::Code::AccessDenied);
  r.action = "s3:GetObject";
  r.resource = "arn:aws:s3:::b/k";
  auto d = decide(r);
  CHECK(d.status.error().code == s3::Code::AccessDenied);
  CHECK_FALSE(d.needs_object_acl);  // no object ACL lookup: it would grant nothing
}

TEST_CASE("the settings that narrow access are the owner's alone") {
  auto grant_all = parsed(R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]})");
  for (auto action : {"s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls"}) {
    CAPTURE(action);
    AccessRequest r;
    r.who = Principal{"bob", false, false, {}};
    r.action = action;
    r.resource = "arn:aws:s3:::b";
    r.policy = &grant_all;
    CHECK(decide(r).status.error().code == s3::Code::AccessDenied);
    r.owner = true;
    CHECK(decide(r).status.ok());
  }
}

TEST_CASE("acl_write_allowed: BlockPublicAcls and BucketOwnerEnforced") {
  PublicAccessBlock none, block;
  block.block_public_acls = true;
  const auto enforced = ObjectOwnership::BucketOwnerEnforced;
  for (auto acl : {"public-read", "public-read-write", "authenticated-read"}) {
    CAPTURE(acl);
    CHECK(acl_write_allowed(acl, none, std::nullopt).ok());
    CHECK(acl_write_allowed(acl, block, std::nullopt).error().code == s3::Code::AccessDenied);
    CHECK(acl_write_allowed(acl, none, enforced).error().code == s3::Code::AccessControlListNotSupported);
  }
  for (auto acl : {"private", "bucket-owner-read", "aws-exec-read"}) {
    CAPTURE(acl);
    CHECK(acl_write_allowed(acl, block, std::nullopt).ok());
    CHECK(acl_write_allowed(acl, none, enforced).error().code == s3::Code::AccessControlListNotSupported);
  }
  CHECK(acl_write_allowed("", block, enforced).ok());
  CHECK(acl_write_allowed("bucket-owner-full-control", block, enforced).ok());
  CHECK(acl_write_allowed("public-read", none, ObjectOwnership::BucketOwnerPreferred).ok());
  CHECK(object_ownership("BucketOwnerEnforced") == enforced);
  CHECK_FALSE(object_ownership("bucketownerenforced"));
}
