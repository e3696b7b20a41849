// A bucket's versioning state on RADOS, and how PutBucketVersioning changes it while
// other gateways commit (design memo §4.4).
//
// The authority is each of the bucket's shard objects (rados/shard_map.h): its xattr
// "versioning" holds
// "<epoch> <Enabled|Suspended>" (absent: epoch 0, Unversioned). Every commit reads it in
// the same read as the key's entries and asserts it unchanged (cmpxattr) in its op, so a
// PUT decided under the old state fails with -ECANCELED and is decided again under the
// new one: a state change and in-flight PUTs linearize at the shard, and none is lost
// or committed under a state that no longer holds (the race RGW leaves open).
// With several shards, a change sets every shard in turn (each a compare-and-set), and
// ends when a re-read map shows no shard added meanwhile (a split copies the state of
// the shard it freezes, so a new shard starts with its parent's state). Each key lives
// in one shard, so each key's PUTs still linearize with the change at that shard: no
// version is lost. Racing changes converge: values order by (epoch, state name), a
// change that meets a later value adopts it, and every shard ends on the largest.
// The epoch grows by one per change. The bucket record in the root object carries a
// copy (GetBucketVersioning, ListBuckets read it) that is only ever replaced by one of
// a higher epoch, so racing changes converge on the shard's state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/object_model.h"
#include "rados/backend.h"

namespace silt::rados {

inline constexpr const char* kVersioningXattr = "versioning";

struct VersioningState {
  uint64_t epoch = 0;
  Versioning state = Versioning::Unversioned;
};

std::string encode_versioning(const VersioningState& v);
// "" is epoch 0, Unversioned; nullopt when malformed.
std::optional<VersioningState> decode_versioning(std::string_view raw);
std::string versioning_name(Versioning v);  // "Enabled" | "Suspended" | "Unversioned"
Versioning versioning_from_name(std::string_view name);

// PutBucketVersioning: Enabled or Suspended (InvalidArgument otherwise), NoSuchBucket.
// Returns once the shard holds the state and the bucket record shows it (or a newer one).
s3::Status set_versioning(Backend& b, std::string_view bucket, Versioning state);

}  // namespace silt::rados
