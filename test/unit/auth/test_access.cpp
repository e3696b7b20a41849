// auth::decide: the ownership matrix every S3 request goes through.
#include <catch2/catch.hpp>

#include "auth/access.h"

using silt::auth::Action;
using silt::auth::decide;
using silt::auth::Owner;
using silt::auth::Principal;

namespace {

constexpr std::string_view kAdmin = "root";
const Principal admin{"root", true, false, {}};
const Principal alice{"alice", false, false, {}};
const Principal bob{"bob", false, false, {}};

s3::Code code_of(const Principal& who, Action a, Owner owner) {
  auto st = decide(who, a, owner, kAdmin);
  REQUIRE_FALSE(st.ok());
  return st.error().code;
}

}  // namespace

TEST_CASE("the owner acts on its bucket; another user is denied; the admin may do everything") {
  CHECK(decide(alice, Action::Other, Owner("alice"), kAdmin).ok());
  CHECK(code_of(bob, Action::Other, Owner("alice")) == s3::Code::AccessDenied);
  CHECK(decide(admin, Action::Other, Owner("alice"), kAdmin).ok());
  CHECK(decide(admin, Action::Other, Owner("bob"), kAdmin).ok());
}

TEST_CASE("a bucket without an owner is the admin's") {
  CHECK(decide(admin, Action::Other, Owner(""), kAdmin).ok());
  CHECK(code_of(alice, Action::Other, Owner("")) == s3::Code::AccessDenied);
  // A user whose name happens to be empty never owns the admin's buckets.
  CHECK(code_of(Principal{"", false, false, {}}, Action::Other, Owner("")) == s3::Code::AccessDenied);
  // Nor does anyone own anything when no admin is configured.
  CHECK_FALSE(decide(Principal{"", false, false, {}}, Action::Other, Owner(""), "").ok());
}

TEST_CASE("a missing bucket is let through, so the operation answers NoSuchBucket to anyone") {
  CHECK(decide(bob, Action::Other, Owner(), kAdmin).ok());
  CHECK(decide(bob, Action::CreateBucket, Owner(), kAdmin).ok());
}

TEST_CASE("CreateBucket of a taken name: BucketAlreadyExists unless the caller owns it") {
  CHECK(decide(alice, Action::CreateBucket, Owner("alice"), kAdmin).ok());  // BucketAlreadyOwnedByYou follows
  CHECK(code_of(bob, Action::CreateBucket, Owner("alice")) == s3::Code::BucketAlreadyExists);
  CHECK(code_of(alice, Action::CreateBucket, Owner("")) == s3::Code::BucketAlreadyExists);
  CHECK(code_of(admin, Action::CreateBucket, Owner("alice")) == s3::Code::BucketAlreadyExists);
  CHECK(decide(admin, Action::CreateBucket, Owner(""), kAdmin).ok());
  CHECK(decide(admin, Action::CreateBucket, Owner("root"), kAdmin).ok());
}

TEST_CASE("ListBuckets is for everyone, filtered to what each may see") {
  CHECK(decide(bob, Action::ListBuckets, Owner(), kAdmin).ok());
  CHECK(silt::auth::visible_in_listing(alice, "alice", kAdmin));
  CHECK_FALSE(silt::auth::visible_in_listing(alice, "bob", kAdmin));
  CHECK_FALSE(silt::auth::visible_in_listing(alice, "", kAdmin));
  CHECK(silt::auth::visible_in_listing(admin, "bob", kAdmin));
  CHECK(silt::auth::visible_in_listing(admin, "", kAdmin));
}

TEST_CASE("new buckets record their creator, the admin's record none") {
  CHECK(silt::auth::owner_for_new_bucket(alice) == "alice");
  CHECK(silt::auth::owner_for_new_bucket(admin).empty());
}
