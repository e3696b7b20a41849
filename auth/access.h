// Who may do what: the one decision every S3 request passes after it is authenticated
// and routed (server/access_check.cpp gathers the facts; this decides on them alone).
//
// Today the rule is ownership: the admin may do everything, any other user only acts on
// the buckets it owns. Bucket policies (issue 7) plug in here, as a further input to
// decide(), so there stays one place that says allow or deny.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace silt::auth {

struct Principal {
  std::string_view user;
  bool admin = false;
};

// What the request does, as far as access is concerned.
enum class Action {
  ListBuckets,   // answered for everyone, filtered by visible_in_listing()
  CreateBucket,  // a taken name is BucketAlreadyExists, not AccessDenied
  Other,         // every other bucket and object operation
};

// A bucket's owner as the index records it: nullopt when the bucket does not exist,
// "" for buckets of the admin (records older than users carry no owner).
using Owner = std::optional<std::string_view>;

// admin_user resolves the empty owner. Ok, AccessDenied (403) or BucketAlreadyExists (409).
// A missing bucket is allowed through, so the operation answers NoSuchBucket to anyone,
// as AWS does.
s3::Status decide(const Principal& who, Action action, Owner owner, std::string_view admin_user);

// Whether ListBuckets shows a bucket with this owner to who.
bool visible_in_listing(const Principal& who, std::string_view owner, std::string_view admin_user);

// The owner to record for a bucket who creates: "" for the admin (so its buckets stay
// its own if the root user is renamed), else the user's name.
std::string owner_for_new_bucket(const Principal& who);

}  // namespace silt::auth
