// The Owner element S3 documents carry: the user's canonical id and display name
// (server/s3/user_names.h), never its access key; and who that is for a bucket's objects
// and uploads.
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "server/s3/handler.h"
#include "server/s3/user_names.h"
#include "util/xml.h"

namespace silt::server {

inline void add_owner(pugi::xml_node parent, const ShownUser& user, const char* element = "Owner") {
  auto owner = parent.append_child(element);
  add_text(owner, "ID", user.canonical_id);
  add_text(owner, "DisplayName", user.display_name);
}

// The recorded owner of bucket, as S3 names it. Objects and uploads are their bucket
// owner's whoever wrote them (docs/acl.md), so this is also the Owner listings show for
// them, as GetObjectAcl does. NoSuchBucket when it does not exist. Blocking.
inline s3::Result<ShownUser> bucket_owner_of(Services& svc, const std::string& bucket) {
  auto info = svc.objects.head_bucket(bucket);
  if (!info) return info.error();
  return names_of(svc, info->owner);
}

// Who started an upload: the writer its record names (ObjectMeta::writer), or for a record
// older than the field, the bucket's owner.
inline ShownUser initiator_of(const Services& svc, const ObjectMeta& upload_meta, const ShownUser& bucket_owner) {
  if (upload_meta.writer.empty()) return bucket_owner;
  return names_of(svc, upload_meta.writer);
}

}  // namespace silt::server
