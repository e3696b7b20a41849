// Walks every version of a bucket in listing order (object/version_walk.h), giving
// each version the state lifecycle rules are evaluated on: when it stopped being
// current, how many newer noncurrent versions its key has, whether a delete marker
// is all that is left of a key.
#pragma once

#include <functional>
#include <string>

#include "lifecycle/evaluate.h"
#include "object/object_layer.h"
#include "object/version_walk.h"

namespace silt::lifecycle {

struct WalkOptions {
  std::string start_after_key;  // resume after this key (every version of it done)
  int page_size = 1000;
  // Called after each page with the last key whose versions are all visited (a
  // cursor to resume from); return false to stop the walk there.
  std::function<bool(const std::string& done_key)> after_page;
};

// fn(version, state) for every version; fn returns false to stop the walk.
// Returns false when stopped early.
s3::Result<bool> walk_versions(ObjectLayer& objects, const std::string& bucket, bool versioned, const WalkOptions& opt,
                               const std::function<bool(const ObjectInfo&, const ObjectState&)>& fn);

ObjectState state_of(const ObjectInfo& v, bool versioned);

}  // namespace silt::lifecycle
