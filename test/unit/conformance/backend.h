// The backend conformance suite (issue 16, item 7): every TEST_CASE in this folder runs
// once against every registered storage backend, through ObjectLayer only, so each
// backend is held to exactly the same assertions. What is specific to one backend
// (erasure: drive loss, shard files, healing, bitrot, the system mirror) is tested
// beside that backend (test/unit/storage for erasure), not here.
//
// Adding a backend (rados_backend.cpp is the second):
//   1. Implement Backend below in <name>_backend.cpp in this folder, honouring every
//      contract in this header (storage classes, 4 KiB stripes, the two counts).
//   2. Declare its factory next to erasure_backend() below and append it in
//      registered_backends() (backends.cpp), under the same #if/meson option that
//      builds the backend, so builds without it still run the suite on erasure.
//   3. List the .cpp and the backend's dependency in meson.build here.
// Each case then runs once per backend (a Catch2 generator); a failing assertion is
// reported with "backend: <name>". A backend that needs an outside service (RADOS: a
// running cluster) registers itself only when that service is configured (say, an
// environment variable naming its ceph.conf), so `meson test` without one still runs
// the suite on erasure, and the step that starts the service runs unit_conformance.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "object/object_layer.h"

namespace silt::conformance {

// Backends are configured with this stripe (erasure block) size for both classes, so
// that small objects in the tests cross stripe boundaries.
inline constexpr uint32_t kBlock = 4096;

// What a backend may lack; the suite skips (with a warning) only what depends on it.
struct Capabilities {
  bool transitions = true;  // transition_object between the two classes
};

// One fresh, empty deployment of a backend (its own drives, pools or cluster
// namespace), owned by one test case and destroyed with it, removing what it stored.
//
// Storage classes: STANDARD (no compression), and STANDARD_IA on another pool or
// placement whose data is zstd-compressed (log text must store in less than half).
// Any other class name is unmapped (InvalidStorageClass).
class Backend {
 public:
  virtual ~Backend() = default;
  // The layer to test; valid until the next reopen() or the destructor.
  virtual ObjectLayer& layer() = 0;
  // A restart: closes the layer and opens a new one on the same stored state, so the
  // suite can check that every acknowledged change is durable. Throws on failure.
  virtual void reopen() = 0;
  virtual Capabilities capabilities() const = 0;

  // The two counts behind the suite's "nothing leaks" checks. Each first waits until
  // the backend has reclaimed what it already decided to remove (trash, GC; a test
  // deployment may set grace periods to zero or run its collector here).
  //
  // data_items: separately stored data items of every class: one per object version
  // (a multipart object: one per part it was completed from), one per uploaded part of
  // a live upload, and one per delete marker (its record is kept with the data so the
  // index can be rebuilt from the data alone). Replaced and deleted ones are not counted.
  virtual size_t data_items() = 0;
  // temp_items: what writers not (or not successfully) committed hold (erasure: entries
  // under the drives' tmp/; RADOS: write intents and their data). Above 0 while an open
  // writer has written whole stripes; 0 again once no writer is open.
  virtual size_t temp_items() = 0;
};

// A case a backend does not run yet, and why (a feature it lacks). CONFORMANCE_ENV
// warns "skipped on <backend>: <reason>" instead of running it, so every skip shows in
// the output; a case listed here that does not exist fails the registry case.
struct Skip {
  std::string test_case;  // the TEST_CASE name, exactly
  std::string reason;
};

// A named way to make a fresh Backend.
struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
  std::vector<Skip> skipped;  // empty: runs every case
};

// Every backend built into this binary; the suite runs each case for each of them.
const std::vector<BackendFactory>& registered_backends();

BackendFactory erasure_backend();
// The same with small objects in segment files (--inline-threshold 8 KiB: two
// stripes; larger objects keep their data dirs, so both paths meet in one test).
BackendFactory erasure_segments_backend();
#ifdef SILT_CONFORMANCE_RADOS
// The RADOS backend on the cluster named by $SILT_CEPH_CONF; registered only when it is
// set (test/integration/test_rados_conformance.py runs the suite so).
BackendFactory rados_backend();
#endif

}  // namespace silt::conformance
