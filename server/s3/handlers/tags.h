// Object tags as S3 takes them: the x-amz-tagging header (URL query form) and
// the Tagging XML document, with S3's limits.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt::server {

using Tags = std::vector<std::pair<std::string, std::string>>;

// "k1=v1&k2=v2" (percent-encoded). InvalidTag / InvalidArgument.
s3::Result<Tags> tags_from_header(std::string_view header);
// <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>. MalformedXML / InvalidTag.
s3::Result<Tags> tags_from_xml(std::string_view xml);
// Sorted by key (byte order, which is code point order in UTF-8), as AWS returns them
// whatever order they were given in.
std::string tags_to_xml(const Tags& tags);

}  // namespace silt::server
