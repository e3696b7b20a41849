// Small helpers over pugixml for S3's XML documents, shared by server/ (responses) and
// lifecycle/ (GetBucketLifecycleConfiguration's document).
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace silt {

inline constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// A document with the XML declaration and a root element in the S3 namespace.
pugi::xml_node new_s3_document(pugi::xml_document& doc, const char* root);

// Appends <name>text</name> to parent; the text is escaped when the document is written.
void add_text(pugi::xml_node parent, const char* name, std::string_view text);

// The document as UTF-8, without indentation or line breaks.
std::string to_string(const pugi::xml_document& doc);

}  // namespace silt
