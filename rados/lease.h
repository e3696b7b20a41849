// Lifecycle leases in the cluster (docs/cluster.md, "Lifecycle across gateways"; design
// memo §4.7): bucket B's lease is the cls "lock" exclusive lock kLeaseLock on object
// lc.<B's id> in the index pool, taken with a duration (IoCtx::lock_exclusive) and renewed
// at half of it (LIBRADOS_LOCK_FLAG_MUST_RENEW, which fails once the lock expired or
// another gateway took it). The object's omap holds what status shows, the same from any
// gateway: holder (the gateway id), cookie, expires_ms, and the unfinished pass's cursor,
// scanned and started_ms.
//
// Every write to that omap carries cls lock's assert_locked for this gateway's cookie in
// the same op, so a gateway that lost its lease (expired while it stalled, or broken) can
// never overwrite its successor's cursor: the OSD checks the lock and the write together.
// (A holder/epoch xattr compared with cmpxattr would also fence a successor, but not a
// holder whose lease merely expired with nobody taking it; assert_locked trims expired
// lockers first, so it refuses both.)
#pragma once

#include <rados/librados.hpp>
#include <string>
#include <string_view>

#include "object/bucket_lease.h"
#include "rados/backend.h"

namespace silt::rados {

inline constexpr const char* kLeaseLock = "silt-lc";

std::string lease_oid(std::string_view bucket_id);  // "lc.<id>"

// Appends to op cls lock's assert_locked of kLeaseLock, exclusive, under cookie: the
// whole op fails (-EBUSY, or -ENOENT when the object is gone) unless this client holds
// the lock with that cookie, unexpired.
void assert_lease(librados::ObjectWriteOperation& op, std::string_view cookie);

class RadosBucketLeases final : public BucketLeases {
 public:
  explicit RadosBucketLeases(Backend& b) : b_(b) {}
  s3::Result<std::unique_ptr<BucketLease>> take(std::string_view bucket, std::string_view holder, int64_t duration_ms,
                                                LeaseState* busy) override;
  s3::Result<LeaseState> read(std::string_view bucket) override;

 private:
  Backend& b_;
};

}  // namespace silt::rados
