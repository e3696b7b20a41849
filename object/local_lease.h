// Bucket leases for a backend served by one process (the erasure backend): granted in
// memory, since no other process can ask. The cursor lives where it always has, in the
// bucket's config document kLocalCursorDoc, so a pass cut short by a restart resumes
// after it; the count of versions scanned does not survive a restart.
#pragma once

#include <map>
#include <mutex>

#include "object/bucket_lease.h"
#include "object/object_layer.h"

namespace silt {

// Name of the per-bucket config document holding the cursor of an unfinished pass.
inline constexpr const char* kLocalCursorDoc = "silt.lifecycle.cursor";

class LocalBucketLeases final : public BucketLeases {
 public:
  explicit LocalBucketLeases(ObjectLayer& objects) : objects_(objects) {}

  // Grants unless another holder's unexpired lease is in memory (only a second worker
  // in this process, which silt does not run, could meet one).
  s3::Result<std::unique_ptr<BucketLease>> take(std::string_view bucket, std::string_view holder, int64_t duration_ms,
                                                LeaseState* busy) override;
  s3::Result<LeaseState> read(std::string_view bucket) override;

 private:
  friend class LocalLease;
  ObjectLayer& objects_;
  std::mutex mu_;
  std::map<std::string, LeaseState, std::less<>> held_;  // bucket -> its holder's state
};

}  // namespace silt
