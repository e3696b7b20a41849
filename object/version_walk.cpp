#include "object/version_walk.h"

namespace silt {

s3::Result<bool> for_each_version(ObjectLayer& objects, std::string_view bucket,
                                  const std::function<bool(const ObjectInfo&)>& visit, const VersionWalkOptions& opt) {
  VersionListParams p;
  p.key_marker = opt.start_after_key;
  p.max_keys = opt.page_size;
  for (;;) {
    auto page = objects.list_object_versions(bucket, p);
    if (!page) return page.error();
    for (const auto& v : page->versions)
      if (!visit(v)) return false;
    if (!page->truncated) return true;
    if (opt.between_pages && !opt.between_pages()) return false;
    p.key_marker = page->next_key_marker;
    p.version_id_marker = page->next_version_id_marker;
  }
}

}  // namespace silt
