#include "rados/commit_batch.h"

#include <cerrno>
#include <vector>

#include "rados/backend.h"
#include "rados/versioning.h"

namespace silt::rados {

s3::Result<int> CommitBatcher::commit(librados::IoCtx& index, const ShardRef& shard, const std::string& versioning_raw,
                                      uint64_t list_epoch, const std::string& key, BatchFill fill) {
  Waiter me{shard, versioning_raw, list_epoch, key, std::move(fill), false, 0, {}};
  std::unique_lock lock(mu_);
  queued_[shard.oid].push_back(&me);
  while (!me.done) {
    if (!busy_.count(shard.oid)) {
      lead(index, lock, shard.oid);  // sends the oldest queued commits, maybe not this one
      continue;
    }
    cv_.wait(lock);
  }
  if (!me.error.ok()) return me.error.error();
  return me.result;
}

// Sends one op with the oldest queued commit and those after it that share its
// generation, versioning state and listing epoch and touch other keys. Called and returns with lock
// held; releases it while the op is in flight, the shard marked busy.
void CommitBatcher::lead(librados::IoCtx& index, std::unique_lock<std::mutex>& lock, const std::string& oid) {
  auto& queue = queued_[oid];
  std::vector<Waiter*> batch;
  std::set<std::string_view> keys;
  for (auto it = queue.begin(); it != queue.end() && batch.size() < kMaxBatch;) {
    Waiter* w = *it;
    const bool fits =
        batch.empty() || (w->shard.gen == batch[0]->shard.gen && w->versioning_raw == batch[0]->versioning_raw &&
                          w->list_epoch == batch[0]->list_epoch && !keys.count(w->key));
    if (!fits) {
      ++it;
      continue;
    }
    batch.push_back(w);
    keys.insert(w->key);
    it = queue.erase(it);
  }
  if (queue.empty()) queued_.erase(oid);
  busy_.insert(oid);
  lock.unlock();

  librados::ObjectWriteOperation op;
  op.assert_exists();
  op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(batch[0]->shard.gen));
  op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
  op.cmpxattr(kVersioningXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(batch[0]->versioning_raw));
  op.cmpxattr(kListEpochXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(epoch_raw(batch[0]->list_epoch)));
  std::map<std::string, bufferlist> set;
  std::set<std::string> rm;
  s3::Status failed;
  for (Waiter* w : batch)
    if (auto s = w->fill(op, set, rm); !s) {
      // op already holds part of w's fill: send nothing, w gets its error, the others
      // go the read path as after a failed assertion.
      w->error = s;
      failed = s;
    }
  int r = -ECANCELED;
  const bool too_big = batch.size() > 1 && set.size() + rm.size() > kMaxBatchEntries;
  if (failed.ok() && !too_big) {
    for (const auto& k : set) rm.erase(k.first);
    if (!rm.empty()) op.omap_rm_keys(rm);
    if (!set.empty()) op.omap_set(set);
    r = index.operate(oid, &op);
  }

  lock.lock();
  busy_.erase(oid);
  for (Waiter* w : batch) {
    w->result = r;
    w->done = true;
  }
  cv_.notify_all();
}

}  // namespace silt::rados
