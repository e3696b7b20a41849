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
    // SILT_CONFORMANCE_ONLY=NAME keeps that backend alone: the step that starts a cluster
    // (test_rados_conformance.py) need not run the erasure halves `meson test` already ran.
    if (const char* only = std::getenv("SILT_CONFORMANCE_ONLY"); only && *only)
      std::erase_if(v, [only](const BackendFactory& f) { return f.name != only; });
    return v;
  }();
  return all;
}

}  // namespace silt::conformance
