// The users of a RADOS-backed silt, in the index pool's `silt.users` object, so a user
// added or removed on one gateway is one on every gateway (cmd/rados_users.h puts
// auth's user store on top and reloads it when a watch on this object says so).
//
// omap, in the configured namespace:
//   u<access key>    -> the user (auth's JSON, opaque here; the secret in plain text, as
//                       in users.json: SigV4 needs the secret itself)
//   n<canonical id>  -> the access key carrying that id
// An insert sets both in one op guarded by both being absent; an erase removes both
// in one op guarded by the u entry as read. So two gateways adding one key (or one
// canonical id) at once: exactly one succeeds.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "rados/connection.h"

namespace silt::rados {

inline constexpr const char* kUsersObject = "silt.users";

// Every stored user's value, in access key order.
s3::Result<std::vector<std::string>> load_users(librados::IoCtx& io);
// InvalidArgument when the access key or the canonical id is taken. Notifies the
// object's watchers after a change.
s3::Status insert_user(librados::IoCtx& io, std::string_view access_key, std::string_view canonical_id,
                       std::string_view value);
// InvalidArgument when there is no such user. canonical_id_of gives the canonical id a
// stored value carries. Notifies the object's watchers after a change.
s3::Status erase_user(librados::IoCtx& io, std::string_view access_key,
                      const std::function<std::string(const std::string& value)>& canonical_id_of);

}  // namespace silt::rados
