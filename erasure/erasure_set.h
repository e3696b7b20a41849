// State shared by the object layer, its writers and its readers: the pools of
// drives, the index and the lock that keeps shard removal from racing an open.
// Writers and readers hold a reference; the layer outlives them (the server
// drops every writer/reader before the layer).
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "erasure/drive.h"
#include "erasure/group_sync.h"
#include "erasure/pool.h"
#include "erasure/segments.h"
#include "erasure/trash_remover.h"
#include "index/index.h"
#include "index/object_record.h"

namespace silt {

struct ErasureSet {
  // segment_size: ErasureConfig::segment_size.
  explicit ErasureSet(uint64_t segment_size) : segments(segment_size) {}

  std::vector<std::unique_ptr<Pool>> pools;
  std::vector<std::pair<std::string, Pool*>> classes;  // storage class -> pool
  std::unique_ptr<Index> index;
  // What the index copies to the drives so they alone can rebuild it (erasure/sys_mirror.h).
  std::unique_ptr<DriveMirror> mirror;
  // Shared while a reader looks up a record and opens its shard files; exclusive
  // while replaced or deleted data is removed. Open files stay readable after
  // removal, so a reader never sees a half-deleted object.
  std::shared_mutex data_mu;
  std::mutex queued_mu;
  std::unordered_set<std::string> queued;  // bucket \0 key \0 version id, on the queue
  // ErasureConfig::inline_threshold: small single PUTs go to segment files.
  uint64_t inline_threshold = 0;
  // Where small objects' shards are appended and read (erasure/segments.h).
  Segments segments;
  // One group commit per file system the drives are on (erasure/group_sync.h).
  GroupSyncs syncs;

  // The pool a layout names; records written before pools existed name none
  // and live in the first pool. Null when the configuration lost it.
  Pool* pool(std::string_view name) const;
  // Null when the class is not mapped.
  Pool* pool_for_class(std::string_view storage_class) const;
  // Every distinct drive directory of every pool (pools may share drives).
  std::vector<const Drive*> all_drives() const;

  // Puts a degraded version on the index's repair queue (erasure/healer.h),
  // once until the healer has looked at it; best effort.
  void queue_heal(const ObjectInfo& v, const std::string& reason);
  // The healer took the item off the queue.
  void healed(const HealItem& item);

  // Removes the data directories of a replaced or deleted object on every drive.
  void remove_data(const ObjectRecord& rec);
  // Removes these data directories on every drive of every pool: renamed into
  // tmp/ at once, deleted by `trash` afterwards.
  void remove_data_ids(const std::vector<std::string>& ids);

  // Last member: destroyed first, it finishes removing what is queued.
  TrashRemover trash;
};

// File name of part `number`'s shard inside a data directory.
std::string part_file_name(int number);
inline constexpr const char* kMetaFile = "meta.json";

}  // namespace silt
