// auth/acl.h: canned ACLs as AWS's table expands them, the stored forms (old canned names
// included), x-amz-grant-* parsing, and what grants admit through auth::decide().
#include <catch2/catch.hpp>
#include <string>

#include "auth/access.h"
#include "auth/acl.h"
#include "auth/user_store.h"

using namespace silt::auth;

namespace {

const std::string kOwner(64, 'a'), kBob(64, 'b');

Grant user(const std::string& id, Permission p) {
  return {false, id, p};
}
Grant group(std::string_view uri, Permission p) {
  return {true, std::string(uri), p};
}

}  // namespace

TEST_CASE("canned ACLs expand as AWS's table says") {
  const Grant owner_fc = user(kOwner, Permission::FullControl);
  CHECK(canned_grants("private", kOwner) == Grants{owner_fc});
  CHECK(canned_grants("public-read", kOwner) == Grants{owner_fc, group(kAllUsersUri, Permission::Read)});
  CHECK(canned_grants("public-read-write", kOwner) ==
        Grants{owner_fc, group(kAllUsersUri, Permission::Read), group(kAllUsersUri, Permission::Write)});
  CHECK(canned_grants("authenticated-read", kOwner) ==
        Grants{owner_fc, group(kAuthenticatedUsersUri, Permission::Read)});
  CHECK(canned_grants("log-delivery-write", kOwner) ==
        Grants{owner_fc, group(kLogDeliveryUri, Permission::Write), group(kLogDeliveryUri, Permission::ReadAcp)});
  // Objects belong to the bucket's owner: the bucket-owner ACLs are the owner's alone.
  for (auto n : {"bucket-owner-read", "bucket-owner-full-control", "aws-exec-read"})
    CHECK(canned_grants(n, kOwner) == Grants{owner_fc});
  CHECK_FALSE(is_canned_acl("world-writable"));
}

TEST_CASE("stored ACLs: old canned names read as themselves, grant lists round-trip") {
  // Records written before grants keep their meaning.
  CHECK(decode_acl("", kOwner) == canned_grants("private", kOwner));
  CHECK(decode_acl("public-read", kOwner) == canned_grants("public-read", kOwner));
  CHECK(decode_acl("authenticated-read", kOwner) == canned_grants("authenticated-read", kOwner));
  CHECK(stored_canned("private").empty());
  CHECK(stored_canned("bucket-owner-full-control").empty());
  CHECK(stored_canned("public-read-write") == "public-read-write");
  const Grants g{user(kOwner, Permission::FullControl), user(kBob, Permission::Read),
                 group(kAuthenticatedUsersUri, Permission::WriteAcp)};
  CHECK(decode_acl(encode_grants(g, kOwner), kOwner) == g);
  // The owner's FULL_CONTROL alone is private.
  CHECK(encode_grants({user(kOwner, Permission::FullControl)}, kOwner).empty());
  CHECK(is_public_acl("public-read"));
  CHECK(is_public_acl(encode_grants(g, kOwner)));
  CHECK_FALSE(is_public_acl(encode_grants({user(kBob, Permission::FullControl)}, kOwner)));
  CHECK_FALSE(is_public_acl(""));
}

TEST_CASE("x-amz-grant-* headers: id, uri, quoted or not, comma lists; emails and junk refused") {
  auto g = parse_grant_headers({{"x-amz-grant-read", "id=\"" + kBob + "\", uri=\"" + std::string(kAllUsersUri) + "\""},
                                {"x-amz-grant-write-acp", "id=" + kOwner}});
  REQUIRE(g);
  CHECK(*g == Grants{user(kBob, Permission::Read), group(kAllUsersUri, Permission::Read),
                     user(kOwner, Permission::WriteAcp)});
  auto email = parse_grant_headers({{"x-amz-grant-read", "emailAddress=\"a@example.com\""}});
  CHECK(email.error().code == s3::Code::UnresolvableGrantByEmailAddress);
  for (std::string bad : {"", "id", "id=", "uri=\"http://example.com/x\"", "name=\"x\"", "id=\"x\",,"}) {
    CAPTURE(bad);
    CHECK(parse_grant_headers({{"x-amz-grant-read", bad}}).error().code == s3::Code::InvalidArgument);
  }
  std::string many;
  for (int i = 0; i < 101; i++) many += (i ? "," : "") + std::string("id=") + kBob;
  CHECK(parse_grant_headers({{"x-amz-grant-read", many}}).error().code == s3::Code::MalformedACLError);
}

TEST_CASE("grants admit exactly their permission to exactly their grantee") {
  const Principal bob{"bob", false, false, kBob}, carol{"carol", false, false, std::string(64, 'c')},
      anon{"", false, true, ""};
  const Grants bucket{user(kBob, Permission::Read), user(kBob, Permission::Write)};
  const Grants object{user(kBob, Permission::Read), group(kAuthenticatedUsersUri, Permission::ReadAcp)};
  auto decide_as = [&](const Principal& who, std::string_view action, const Grants* obj = nullptr) {
    AccessRequest r;
    r.who = who;
    r.action = action;
    r.resource = "arn:aws:s3:::b/k";
    r.bucket_acl = &bucket;
    r.object_acl = obj;
    return decide(r);
  };
  CHECK(decide_as(bob, "s3:ListBucket").status.ok());
  CHECK(decide_as(bob, "s3:PutObject").status.ok());
  CHECK(decide_as(bob, "s3:DeleteObject").status.ok());
  CHECK_FALSE(decide_as(bob, "s3:GetBucketAcl").status.ok());
  CHECK_FALSE(decide_as(bob, "s3:PutBucketPolicy").status.ok());
  CHECK_FALSE(decide_as(carol, "s3:ListBucket").status.ok());
  CHECK_FALSE(decide_as(anon, "s3:PutObject").status.ok());
  // Object actions wait for the object's ACL, then follow it.
  CHECK(decide_as(bob, "s3:GetObject").needs_object_acl);
  CHECK(decide_as(bob, "s3:GetObject", &object).status.ok());
  CHECK_FALSE(decide_as(carol, "s3:GetObject", &object).status.ok());
  CHECK(decide_as(carol, "s3:GetObjectAcl", &object).status.ok());
  CHECK_FALSE(decide_as(anon, "s3:GetObjectAcl", &object).status.ok());
  CHECK_FALSE(decide_as(bob, "s3:PutObjectAcl", &object).status.ok());
  // FULL_CONTROL is every permission; WRITE_ACP on the bucket lets its grantee set the bucket's ACL.
  const Grants full{user(kBob, Permission::FullControl)};
  AccessRequest r;
  r.who = bob;
  r.action = "s3:PutBucketAcl";
  r.resource = "arn:aws:s3:::b";
  r.bucket_acl = &full;
  CHECK(decide(r).status.ok());
  r.acls_disabled = true;
  CHECK_FALSE(decide(r).status.ok());
}

TEST_CASE("a write with grants of more than private needs s3:PutObjectAcl; canned names as before") {
  CHECK(acl_needs_permission("public-read-write"));
  CHECK(acl_needs_permission("log-delivery-write"));
  CHECK_FALSE(acl_needs_permission("bucket-owner-read"));
}

TEST_CASE("canonical ids: 64 hex characters; the derived one is stable") {
  CHECK(validate_canonical_id(std::string(64, 'A')).value() == std::string(64, 'a'));
  CHECK_FALSE(validate_canonical_id(std::string(63, 'a')));
  CHECK_FALSE(validate_canonical_id(std::string(64, 'g')));
  CHECK(derived_canonical_id("root") == derived_canonical_id("root"));
  CHECK(derived_canonical_id("root") != derived_canonical_id("alice"));
  CHECK(validate_canonical_id(derived_canonical_id("root")));
  CHECK(validate_display_name("Alice Example"));
  CHECK_FALSE(validate_display_name(""));
  CHECK_FALSE(validate_display_name("a\nb"));
}
