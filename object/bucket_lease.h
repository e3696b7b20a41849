// A bucket's lifecycle lease (docs/cluster.md, "Lifecycle across gateways"): the right to run
// lifecycle passes over one bucket, held by one worker at a time for a bounded duration and
// renewed while it works, with the pass's cursor kept beside it so the next holder resumes
// where a dead one stopped. Backend-neutral: the RADOS backend keeps it in the cluster
// (rados/lease.h), so every gateway agrees on one holder; a backend served by one process
// grants it in memory (object/local_lease.h). Actions stay guarded whatever the lease says
// (IfCurrent, the transition's data check): the lease avoids duplicated work, it is not
// what keeps a version from being acted on twice.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace silt {

// A lease as stored: what `silt admin lifecycle status` shows, the same on every gateway.
struct LeaseState {
  std::string holder;           // the holder's gateway id; empty: nobody holds the lease
  int64_t expires_ms = 0;       // when the holder's lease runs out unless renewed (its clock); 0: not held
  std::string cursor;           // the key an unfinished pass resumes after; empty: none
  uint64_t scanned = 0;         // versions the unfinished pass examined so far, over all its holders
  int64_t pass_started_ms = 0;  // when the unfinished pass began; 0: none
};

// A lease this process holds. Not thread-safe: the worker thread alone uses it.
class BucketLease {
 public:
  virtual ~BucketLease() = default;
  // The state found when the lease was taken: the cursor and count the last holder left.
  virtual const LeaseState& taken() const = 0;
  // Renews the lease once half its duration has passed since it was taken or last renewed
  // (cheap otherwise). False: the lease is lost (expired, taken by another); the caller
  // stops working on the bucket at once, and every later call is false too.
  virtual bool keep() = 0;
  // Records the pass's progress, only while the lease is held (a holder that lost it
  // cannot overwrite its successor's cursor). False: lost, as for keep().
  virtual bool save(std::string_view cursor, uint64_t scanned) = 0;
  // The pass over the bucket ended: clears the cursor and count, then releases.
  virtual void finish() = 0;
  // Releases the lease keeping the cursor, for the next holder (stopping, or cut short).
  // The destructor does it for a lease neither finished nor released.
  virtual void release() = 0;
};

class BucketLeases {
 public:
  virtual ~BucketLeases() = default;
  // Takes bucket's lease for holder (a gateway id) for duration_ms. nullptr when another
  // holder has it (its state in *busy when given); NoSuchBucket when the bucket is gone.
  virtual s3::Result<std::unique_ptr<BucketLease>> take(std::string_view bucket, std::string_view holder,
                                                        int64_t duration_ms, LeaseState* busy) = 0;
  // The stored state of bucket's lease (an empty state when there never was one).
  virtual s3::Result<LeaseState> read(std::string_view bucket) = 0;
};

}  // namespace silt
