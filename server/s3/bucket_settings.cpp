#include "server/s3/bucket_settings.h"

#include <array>
#include <iterator>
#include <pugixml.hpp>

#include "server/s3/handlers/request_xml.h"
#include "util/utf8.h"
#include "util/xml.h"

namespace silt::server {

namespace {

struct BlockField {
  const char* name;
  bool auth::PublicAccessBlock::*member;
};
// AWS's order, which is the order GetPublicAccessBlock answers in.
constexpr std::array<BlockField, 4> kBlockFields = {{
    {"BlockPublicAcls", &auth::PublicAccessBlock::block_public_acls},
    {"IgnorePublicAcls", &auth::PublicAccessBlock::ignore_public_acls},
    {"BlockPublicPolicy", &auth::PublicAccessBlock::block_public_policy},
    {"RestrictPublicBuckets", &auth::PublicAccessBlock::restrict_public_buckets},
}};

bool load(pugi::xml_document& doc, std::string_view xml) {
  // A NUL would cut the text pugixml sees short of what was signed.
  return !xml_has_nul(xml) && doc.load_buffer(xml.data(), xml.size());
}

// Element children only: whitespace and comments between them are formatting.
bool only_elements(pugi::xml_node n) {
  for (auto c : n.children())
    if (c.type() != pugi::node_element && c.type() != pugi::node_comment) return false;
  return true;
}

}  // namespace

s3::Result<auth::PublicAccessBlock> parse_public_access_block(std::string_view xml) {
  pugi::xml_document doc;
  if (!load(doc, xml)) return malformed_xml();
  auto root = doc.child("PublicAccessBlockConfiguration");
  if (!root || !only_elements(root)) return malformed_xml();
  auth::PublicAccessBlock out;
  std::array<bool, 4> seen{};
  for (auto e : root.children()) {
    if (e.type() != pugi::node_element) continue;
    size_t i = 0;
    while (i < kBlockFields.size() && std::string_view(e.name()) != kBlockFields[i].name) ++i;
    if (i == kBlockFields.size() || seen[i]) return malformed_xml();
    seen[i] = true;
    // xsd:boolean, as AWS's schema has it.
    std::string_view v = e.child_value();
    if (v == "true" || v == "1") {
      out.*kBlockFields[i].member = true;
    } else if (v != "false" && v != "0") {
      return malformed_xml();
    }
  }
  return out;
}

std::string public_access_block_xml(const auth::PublicAccessBlock& b) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "PublicAccessBlockConfiguration");
  for (const auto& f : kBlockFields) add_text(root, f.name, b.*f.member ? "true" : "false");
  return to_string(doc);
}

s3::Result<auth::ObjectOwnership> parse_ownership_controls(std::string_view xml) {
  pugi::xml_document doc;
  if (!load(doc, xml)) return malformed_xml();
  auto root = doc.child("OwnershipControls");
  if (!root || !only_elements(root)) return malformed_xml();
  auto rules = root.children("Rule");
  auto first = rules.begin();
  if (first == rules.end() || std::next(first) != rules.end()) return malformed_xml();
  for (auto e : root.children())
    if (e.type() == pugi::node_element && std::string_view(e.name()) != "Rule") return malformed_xml();
  auto owner = auth::object_ownership(first->child_value("ObjectOwnership"));
  if (!owner) return malformed_xml();
  return *owner;
}

std::string ownership_controls_xml(auth::ObjectOwnership ownership) {
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "OwnershipControls");
  auto rule = root.append_child("Rule");
  add_text(rule, "ObjectOwnership", auth::ownership_name(ownership));
  return to_string(doc);
}

}  // namespace silt::server
