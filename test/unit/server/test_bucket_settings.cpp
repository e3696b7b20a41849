// server/s3/bucket_settings.h: the PublicAccessBlockConfiguration and OwnershipControls
// documents, and bucket tag limits (server/s3/handlers/tags.h).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "server/s3/bucket_settings.h"
#include "server/s3/handlers/tags.h"

using namespace silt;
using namespace silt::server;
using namespace std::string_literals;

TEST_CASE("PublicAccessBlockConfiguration: booleans, missing ones false, round trip", "[bucket-settings]") {
  auto b = parse_public_access_block(
      "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<BlockPublicAcls>true</BlockPublicAcls><RestrictPublicBuckets>false</RestrictPublicBuckets>"
      "</PublicAccessBlockConfiguration>");
  REQUIRE(b.ok());
  CHECK(b->block_public_acls);
  CHECK_FALSE(b->ignore_public_acls);
  CHECK_FALSE(b->block_public_policy);
  CHECK_FALSE(b->restrict_public_buckets);
  auto again = parse_public_access_block(public_access_block_xml(*b));
  REQUIRE(again.ok());
  CHECK(again->block_public_acls);
  CHECK_FALSE(again->restrict_public_buckets);
  auto xml = public_access_block_xml(auth::PublicAccessBlock{true, true, true, true});
  CHECK(xml.find("<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
                 "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>") !=
        std::string::npos);
}

TEST_CASE("PublicAccessBlockConfiguration: anything else is MalformedXML", "[bucket-settings]") {
  for (const std::string& doc : std::vector<std::string>{
           "",
           "<PublicAccessBlockConfiguration>",
           "<Other><BlockPublicAcls>true</BlockPublicAcls></Other>",
           "<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>",
           "<PublicAccessBlockConfiguration><BlockAll>true</BlockAll></PublicAccessBlockConfiguration>",
           "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><BlockPublicAcls>true"
           "</BlockPublicAcls></PublicAccessBlockConfiguration>",
           "<PublicAccessBlockConfiguration>text</PublicAccessBlockConfiguration>",
           "<PublicAccessBlockConfiguration><BlockPublicAcls>true\0</BlockPublicAcls>"
           "</PublicAccessBlockConfiguration>"s,
       }) {
    CAPTURE(doc);
    auto b = parse_public_access_block(doc);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code == s3::Code::MalformedXML);
  }
}

TEST_CASE("OwnershipControls: exactly one rule with one of three settings", "[bucket-settings]") {
  for (auto o : {auth::ObjectOwnership::ObjectWriter, auth::ObjectOwnership::BucketOwnerPreferred,
                 auth::ObjectOwnership::BucketOwnerEnforced}) {
    auto parsed = parse_ownership_controls(ownership_controls_xml(o));
    REQUIRE(parsed.ok());
    CHECK(*parsed == o);
  }
  for (std::string doc : {
           "<OwnershipControls/>",
           "<OwnershipControls><Rule><ObjectOwnership>Mine</ObjectOwnership></Rule></OwnershipControls>",
           "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>"
           "ObjectWriter</ObjectOwnership></Rule></OwnershipControls>",
           "<OwnershipControls><Rule/><Extra/></OwnershipControls>",
           "<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>",
       }) {
    CAPTURE(doc);
    auto parsed = parse_ownership_controls(doc);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == s3::Code::MalformedXML);
  }
}

TEST_CASE("bucket tags: 50 of them, no aws: prefix; objects keep 10", "[bucket-settings]") {
  auto doc = [](int n, const std::string& key_prefix = "k") {
    std::string x = "<Tagging><TagSet>";
    for (int i = 0; i < n; ++i) x += "<Tag><Key>" + key_prefix + std::to_string(i) + "</Key><Value>v</Value></Tag>";
    return x + "</TagSet></Tagging>";
  };
  CHECK(tags_from_xml(doc(50), TagOwner::Bucket).ok());
  CHECK(tags_from_xml(doc(51), TagOwner::Bucket).error().code == s3::Code::InvalidTag);
  CHECK(tags_from_xml(doc(11)).error().code == s3::Code::InvalidTag);
  CHECK(tags_from_xml(doc(1, "aws:"), TagOwner::Bucket).error().code == s3::Code::InvalidTag);
  CHECK(tags_from_xml(doc(1, "AWS:"), TagOwner::Bucket).ok());  // AWS's prefix is lowercase
}
