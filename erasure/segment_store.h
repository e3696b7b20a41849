// Appends entries to a drive's segment files (erasure/segment_file.h): one open
// segment per drive directory, shared by every pool on that drive, a new one
// at every start and whenever the open one reaches kSegmentTarget bytes. The
// store writes but never fsyncs: the writer makes its entry durable with the
// drive's GroupSync, together with every other write of that moment, before it
// commits the index (docs/format.md, "Segment files").
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "erasure/fs.h"

namespace silt {

class SegmentStore {
 public:
  // A segment holding this many bytes is closed by default; the next append opens another.
  static constexpr uint64_t kSegmentTarget = 64u << 20;

  struct Placed {
    uint64_t segment = 0;
    uint64_t offset = 0;
  };
  // Writes entry (one whole encoded entry) at the end of the open segment with a
  // single write, so concurrent appends never interleave. A segment whose file
  // was removed under us (the drive wiped) is abandoned for a new one.
  // pending: the entry is a shard the index will name once its commit is done;
  // until settle(segment) the reclaimer leaves that segment alone, since the
  // index does not name the entry yet (erasure/segment_reclaim.h).
  s3::Result<Placed> append(std::string_view entry, bool pending = false);
  void settle(uint64_t segment);
  bool has_pending(uint64_t segment) const;

  // The segment appends go to now (0: none opened yet); compaction and the
  // startup sweep leave it alone.
  uint64_t open_segment() const;

  // Bytes that became dead since the last call (deleted and replaced objects'
  // shards, as remove_data reports them): tells the healer a reclaim is worth it.
  void add_dead(uint64_t bytes);
  uint64_t take_dead();

  // The store of drive directory root, closing segments at target bytes (tests make it
  // small so that segments close, and are reclaimed, soon). Segments (erasure/segments.h)
  // makes one per directory: two stores of one directory would both append to it.
  SegmentStore(std::string root, uint64_t target) : root_(std::move(root)), target_(target) {}

 private:
  s3::Status open_new();  // under mu_

  const std::string root_;
  const uint64_t target_;
  mutable std::mutex mu_;
  fs::Fd fd_;
  uint64_t id_ = 0;
  uint64_t size_ = 0;
  std::map<uint64_t, uint64_t> pending_;  // segment -> shards appended, index commit not done
  uint64_t dead_ = 0;
};

// Settles every pending append it was given when it goes: the writer keeps one
// until its index commit has happened (or failed).
class PendingShards {
 public:
  PendingShards() = default;
  PendingShards(const PendingShards&) = delete;
  PendingShards& operator=(const PendingShards&) = delete;
  ~PendingShards() {
    for (auto& [store, segment] : held_) store->settle(segment);
  }
  void add(SegmentStore& store, uint64_t segment) { held_.emplace_back(&store, segment); }

 private:
  std::vector<std::pair<SegmentStore*, uint64_t>> held_;
};

class GroupSyncs;
class Segments;

// Appends entries[i].second to the open segment of drive root entries[i].first,
// then waits for one GroupSync of syncs per file system among them (shared with the
// other writers of the moment). Per entry: where it went, once durable, or why not.
// pending (optional): the appends are shards awaiting their index commit
// (SegmentStore::append), settled when pending goes.
std::vector<s3::Result<SegmentStore::Placed>> append_durably(
    Segments& segments, GroupSyncs& syncs, const std::vector<std::pair<std::string, std::string>>& entries,
    PendingShards* pending = nullptr);

}  // namespace silt
