#include "server/s3/handlers/copy_source.h"

#include "util/uri.h"

namespace silt::server {

s3::Result<CopySource> parse_copy_source(std::string_view h) {
  CopySource src;
  if (size_t q = h.find('?'); q != std::string_view::npos) {
    for (auto& [k, v] : parse_query(h.substr(q + 1)))
      if (k == "versionId") src.version_id = v;
    h = h.substr(0, q);
  }
  std::string path = uri_decode(h);
  if (!path.empty() && path[0] == '/') path.erase(0, 1);
  size_t slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == path.size())
    return s3::Error(s3::Code::InvalidArgument,
                     "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  src.bucket = path.substr(0, slash);
  src.key = path.substr(slash + 1);
  return src;
}

}  // namespace silt::server
