// One process's connection to a Ceph cluster (RAII: connected in open(), shut down
// in the destructor), the IoCtx of each pool it uses, and the small helpers every
// rados/ file shares: librados return codes as s3::Error, strings as bufferlists.
#pragma once

#include <cstdint>
#include <memory>
#include <rados/librados.hpp>
#include <string>
#include <string_view>

#include "common/error.h"

namespace silt::rados {

using librados::bufferlist;

bufferlist to_bl(std::string_view s);

// A failed librados call (r < 0) as an S3 error: timeouts and a cluster that cannot
// take writes are 503 SlowDown (clients retry), anything else 500.
s3::Error rados_error(std::string_view what, std::string_view oid, int r);

// The redundancy of a pool as Ceph has it: EC k+m, or replicated size n as 1+(n-1).
struct PoolProfile {
  bool erasure = false;
  int k = 1;
  int m = 0;
};

class Connection {
 public:
  // conf: a ceph.conf path (empty: librados' default search). Fails when the
  // cluster does not answer within the mon timeout (30 s). An OSD op (data, index) not
  // answered within osd_op_timeout_s fails with -ETIMEDOUT.
  static s3::Result<std::unique_ptr<Connection>> open(const std::string& conf, const std::string& client_id,
                                                      uint32_t osd_op_timeout_s);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // An IoCtx on pool, in namespace ns. NoSuchPool is an InternalError naming it.
  s3::Result<librados::IoCtx> ioctx(const std::string& pool, const std::string& ns);
  // k+m of an EC pool, 1+(size-1) of a replicated one (mon commands; startup only).
  s3::Result<PoolProfile> profile(const std::string& pool);

  // One mon command (JSON, as the `ceph` CLI sends it); its output. A refusal is an
  // error carrying the mon's status text.
  s3::Result<std::string> mon_json(const std::string& command);

  librados::Rados& cluster() { return rados_; }

 private:
  Connection() = default;
  librados::Rados rados_;
  bool connected_ = false;
};

// An aio completion released when it goes out of scope.
struct CompletionRelease {
  void operator()(librados::AioCompletion* c) const { c->release(); }
};
using Completion = std::unique_ptr<librados::AioCompletion, CompletionRelease>;
inline Completion new_completion() {
  return Completion(librados::Rados::aio_create_completion());
}

}  // namespace silt::rados
