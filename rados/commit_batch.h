// Group commit of new keys' first versions (commit_object's first attempt without a
// read, rados/objects.h). Every PUT into a bucket is an op on the key's shard object, and
// Ceph applies one object's write ops one after the other, each waiting for the one
// before to be stored on every replica: past a few connections, PUTs into one bucket
// queue on that object however many OSDs the cluster has. So the commits this gateway
// has ready for one shard while an op on it is in flight go out together as the next op:
// the shard's assertions once (exists, generation, live, versioning state, listing epoch:
// rados/list_epochs.h; unpacked buckets have none, which asserts it absent), then each
// commit's own assertions (its key's O entry absent, its write intent unchanged) and
// entries. Any assertion failing cancels the whole op, nothing of it applied, and every
// commit of it falls back to reading and deciding alone; so the batch changes when
// commits are sent, never what a commit asserts. Two commits of one key are never in
// one batch (each asserts the key absent, and one op would satisfy both).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "common/error.h"
#include "rados/shard_map.h"

namespace silt::rados {

// One commit's part of a shared op: adds its assertions to op and its entries to set/rm
// (which may hold other commits' entries: never the same ones, as keys differ).
using BatchFill = std::function<s3::Status(librados::ObjectWriteOperation& op, std::map<std::string, bufferlist>& set,
                                           std::set<std::string>& rm)>;

class CommitBatcher {
 public:
  // At most this many commits share an op: bounds its size (inlined objects are up to
  // 64 KiB each) and what one failing assertion sends back to the read path.
  static constexpr size_t kMaxBatch = 32;
  // A batch whose commits set or remove more entries than this together is not sent; each
  // of its commits decides alone (a CompleteMultipartUpload removes up to 500 P entries).
  static constexpr size_t kMaxBatchEntries = 2048;

  // Commits fill on shard (with the generation, versioning state and listing epoch the
  // commit was decided under, asserted for the whole op), together with the commits of
  // other keys queued for the same shard, generation, state and epoch meanwhile. Blocks until the op that
  // carried it returns. Returns the op's result (0: committed; -ECANCELED: an assertion
  // failed, maybe another commit's, or the batch was not sent: too big, or another
  // commit's fill failed) or fill's error (nothing sent for it).
  s3::Result<int> commit(librados::IoCtx& index, const ShardRef& shard, const std::string& versioning_raw,
                         uint64_t list_epoch, const std::string& key, BatchFill fill);

 private:
  struct Waiter {
    ShardRef shard;
    std::string versioning_raw;
    uint64_t list_epoch = 0;
    std::string key;
    BatchFill fill;
    bool done = false;
    int result = 0;
    s3::Status error;
  };
  void lead(librados::IoCtx& index, std::unique_lock<std::mutex>& lock, const std::string& oid);

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::deque<Waiter*>> queued_;  // by shard object
  std::set<std::string> busy_;                         // shards with an op in flight
};

}  // namespace silt::rados
