// The Owner element S3 documents carry: the user's canonical id and display name
// (server/s3/user_names.h), never its access key.
#pragma once

#include <pugixml.hpp>
#include <string_view>

#include "server/s3/user_names.h"
#include "util/xml.h"

namespace silt::server {

inline void add_owner(pugi::xml_node parent, const ShownUser& user, const char* element = "Owner") {
  auto owner = parent.append_child(element);
  add_text(owner, "ID", user.canonical_id);
  add_text(owner, "DisplayName", user.display_name);
}

}  // namespace silt::server
