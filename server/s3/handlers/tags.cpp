#include "server/s3/handlers/tags.h"

#include <algorithm>
#include <pugixml.hpp>
#include <set>

#include "util/uri.h"
#include "util/utf8.h"
#include "util/xml.h"

namespace silt::server {

namespace {
constexpr size_t kMaxTags = 10;
constexpr size_t kMaxKey = 128;
constexpr size_t kMaxValue = 256;

// Tags go back out as XML text: bytes that are not UTF-8, and control characters
// (NUL above all, which would cut the text short), could not make the round trip.
bool printable_utf8(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return valid_utf8(s);
}

s3::Result<Tags> validate(Tags tags) {
  if (tags.size() > kMaxTags) return s3::Error(s3::Code::InvalidTag, "Object tags cannot be greater than 10");
  std::set<std::string> seen;
  for (const auto& [k, v] : tags) {
    if (k.empty() || utf8_length(k) > kMaxKey || !printable_utf8(k))
      return s3::Error(s3::Code::InvalidTag, "The TagKey you have provided is invalid");
    if (utf8_length(v) > kMaxValue || !printable_utf8(v))
      return s3::Error(s3::Code::InvalidTag, "The TagValue you have provided is invalid");
    if (!seen.insert(k).second)
      return s3::Error(s3::Code::InvalidTag, "Cannot provide multiple Tags with the same key");
  }
  return tags;
}
}  // namespace

s3::Result<Tags> tags_from_header(std::string_view header) {
  Tags tags;
  for (auto& [k, v] : parse_query(header)) tags.emplace_back(std::move(k), std::move(v));
  return validate(std::move(tags));
}

s3::Result<Tags> tags_from_xml(std::string_view xml) {
  pugi::xml_document doc;
  auto malformed =
      s3::Error(s3::Code::MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema.");
  // parse_ws_pcdata_single: a key or value of only spaces is text, not formatting
  // (found by fuzz_xml_tagging: " " came back as "").
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single)) return malformed;
  auto set = doc.child("Tagging").child("TagSet");
  if (!set) return malformed;
  Tags tags;
  for (auto tag : set.children("Tag")) {
    if (!tag.child("Key")) return malformed;
    tags.emplace_back(tag.child_value("Key"), tag.child_value("Value"));
  }
  return validate(std::move(tags));
}

std::string tags_to_xml(const Tags& tags) {
  // Keys are unique (validate), so the order is total.
  Tags sorted = tags;
  std::sort(sorted.begin(), sorted.end());
  pugi::xml_document doc;
  auto root = new_s3_document(doc, "Tagging");
  auto set = root.append_child("TagSet");
  for (const auto& [k, v] : sorted) {
    auto t = set.append_child("Tag");
    add_text(t, "Key", k);
    add_text(t, "Value", v);
  }
  return to_string(doc);
}

}  // namespace silt::server
