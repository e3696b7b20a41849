// Every version of one bucket, in listing order, paged through
// ObjectLayer::list_object_versions: the walk the healer and the lifecycle worker share.
// It reads the index through the interface only, never the drives.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "object/object_layer.h"

namespace silt {

struct VersionWalkOptions {
  std::string start_after_key;  // resume after every version of this key
  int page_size = 1000;
  // Called after each page that another one follows; returns false to stop the walk
  // there. Null: no pause between pages.
  std::function<bool()> between_pages;
};

// visit(v) for every version, delete markers included: keys in order, the versions of a
// key newest first. visit returns false to stop. Returns true when the walk reached the
// end, false when visit or between_pages stopped it, and the listing's error otherwise
// (NoSuchBucket when the bucket is gone, even after some pages).
s3::Result<bool> for_each_version(ObjectLayer& objects, std::string_view bucket,
                                  const std::function<bool(const ObjectInfo&)>& visit,
                                  const VersionWalkOptions& opt = {});

}  // namespace silt
