// The users of a RADOS-backed gateway (docs/cluster.md, "Users"): auth's user store
// over the cluster's silt.users object (rados/users.h), reloaded whenever a watch on
// that object says another gateway changed a user, or the watch had to be re-made.
// open_cluster_users is defined only in builds with librados; the header needs none.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "auth/user_store.h"
#include "object/object_layer.h"

namespace silt {

namespace rados {
class Watch;
}

struct ClusterUsers {
  std::unique_ptr<auth::UserStore> store;
  std::shared_ptr<rados::Watch> watch;  // declared last: stops before the store goes
};

// layer must be the RADOS backend (open_rados_object_layer) and outlive the result.
// Fails when the users cannot be read or the watch cannot be set.
s3::Result<ClusterUsers> open_cluster_users(ObjectLayer& layer, auth::Credential root);

// Registers cb with the RADOS layer's bucket cache (rados/root_cache.h): called with every
// bucket another gateway changed ("": all). For server::serve's bucket_changes.
void on_cluster_bucket_change(ObjectLayer& layer, std::function<void(std::string_view bucket)> cb);

}  // namespace silt
