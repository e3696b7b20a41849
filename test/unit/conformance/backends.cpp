// The backends this binary holds the suite against (see backend.h to add one).
#include <cstdlib>

#include "backend.h"

namespace silt::conformance {

const std::vector<BackendFactory>& registered_backends() {
  static const std::vector<BackendFactory> all = [] {
    std::vector<BackendFactory> v = {erasure_backend(), erasure_segments_backend()};
#ifdef SILT_CONFORMANCE_RADOS
    if (const char* conf = std::getenv("SILT_CEPH_CONF"); conf && *conf) v.push_back(rados_backend());
#endif
    return v;
  }();
  return all;
}

}  // namespace silt::conformance
