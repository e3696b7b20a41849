// The backends this binary holds the suite against (see backend.h to add one).
#include "backend.h"

namespace silt::conformance {

const std::vector<BackendFactory>& registered_backends() {
  static const std::vector<BackendFactory> all = {
      erasure_backend(),
  };
  return all;
}

}  // namespace silt::conformance
