// The Owner element S3 documents carry; one root user for now.
#pragma once

#include <pugixml.hpp>
#include <string_view>

#include "util/xml.h"

namespace silt::server {

inline void add_owner(pugi::xml_node parent, std::string_view user) {
  auto owner = parent.append_child("Owner");
  add_text(owner, "ID", user);
  add_text(owner, "DisplayName", user);
}

}  // namespace silt::server
