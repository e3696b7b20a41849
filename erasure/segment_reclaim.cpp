#include "erasure/segment_reclaim.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "erasure/fs.h"
#include "erasure/segment_fds.h"
#include "erasure/segment_file.h"
#include "erasure/segment_store.h"

namespace silt {
namespace {

namespace stdfs = std::filesystem;

// What the index names in one segment of one drive.
struct Usage {
  uint64_t refs = 0;   // shard entries
  uint64_t bytes = 0;  // their bytes (headers and images; record copies not counted)
  uint64_t end = 0;    // where the last of them ends
};
using DriveUsage = std::map<uint64_t, Usage>;  // segment id -> usage

s3::Result<std::map<std::string, DriveUsage>> live_usage(ErasureSet& set) {
  std::map<std::string, DriveUsage> out;
  auto walked = set.index->for_each_version_record([&](const ObjectRecord& rec) {
    const Pool* p = rec.layout.in_segments() ? set.pool(rec.layout.pool) : nullptr;
    if (!p) return;
    for (size_t i = 0; i < rec.layout.segments.size() && i < rec.layout.distribution.size(); ++i) {
      const SegmentRef& r = rec.layout.segments[i];
      const auto d = static_cast<size_t>(rec.layout.distribution[i]);
      if (r.length == 0 || d >= p->drives.size()) continue;
      Usage& u = out[p->drives[d].root()][r.segment];
      ++u.refs;
      u.bytes += kSegmentEntryHeader + r.length;
      u.end = std::max(u.end, r.offset + kSegmentEntryHeader + r.length);
    }
  });
  if (!walked) return walked.error();
  return out;
}

class DriveReclaimer {
 public:
  DriveReclaimer(ErasureSet& set, const Drive& drive, const DriveUsage& usage, const ReclaimOptions& opt,
                 ReclaimReport& report)
      : set_(set), root_(drive.root()), usage_(usage), opt_(opt), report_(report) {}

  s3::Status run() {
    std::map<uint64_t, uint64_t> files;  // id -> bytes
    std::error_code ec;
    for (const auto& f : stdfs::directory_iterator(segments_dir(root_), ec)) {
      uint64_t id = 0;
      if (parse_segment_name(f.path().filename().string(), id)) files[id] = f.file_size(ec);
    }
    if (ec) return {};  // no segments/ (or the drive vanished): nothing to do
    // Read after the listing: a segment opened later is not listed.
    SegmentStore& store = set_.segments.store(root_);
    const uint64_t open = store.open_segment();
    for (const auto& [id, size] : files) {
      if (id == open) {
        staying_.push_back(id);
        continue;
      }
      ++report_.segments_sealed;
      const auto u = usage_.find(id);
      const uint64_t live = u == usage_.end() ? 0 : u->second.bytes;
      // Checked before the lookups below: a shard whose commit is still to come
      // is not named by the index yet, and would look dead.
      // Shorter than its header: a crash cut it between its creation and the header's
      // write (one write right after O_EXCL), so it holds no entry and goes with the
      // candidates; a 0-byte file would otherwise count as fully used and stay forever.
      const bool headless = size < kSegmentHeaderSize;
      if (!headless &&
          (static_cast<double>(live) >= opt_.compact_below * static_cast<double>(size) || store.has_pending(id))) {
        staying_.push_back(id);
        if (opt_.sweep_tails && !store.has_pending(id)) sweep_tail(id, size);
        continue;
      }
      candidates_.push_back({id, size});
    }
    for (auto& c : candidates_) collect(c);
    for (const auto& c : candidates_)
      if (c.keep) staying_.push_back(c.id);
    carry_needed_deads();
    carry_records();
    if (!move_all()) {
      // A drive or index failing now: keep every old segment (a dead entry we did
      // not carry may still be needed by one of them); the next pass tries again.
      report_.segments_kept += candidates_.size();
      return {};
    }
    remove_done();
    return {};
  }

 private:
  struct Candidate {
    uint64_t id;
    uint64_t size;
    bool keep = false;
  };
  struct ShardCopy {
    ObjectRecord seen;  // the index's record when the copy was made
    size_t shard;
    std::string entry;
    uint32_t length;
  };

  enum class Liveness { Dead, Live, Unknown };

  // The index's current record of the version the record copy names.
  Liveness lookup(const std::string& record_json, std::optional<ObjectRecord>& out) {
    if (record_json.empty()) return unknown("a record copy failed its CRC");
    auto copy = decode_object_record(record_json);
    if (!copy) return unknown(copy.error().message);
    auto cur = set_.index->get_version(copy->info.bucket, copy->info.key, copy->info.version_id);
    if (!cur) {
      const s3::Code c = cur.error().code;
      return c == s3::Code::NoSuchKey || c == s3::Code::NoSuchVersion || c == s3::Code::NoSuchBucket
                 ? Liveness::Dead
                 : unknown(cur.error().message);
    }
    out = std::move(*cur);
    return Liveness::Live;
  }

  Liveness unknown(const std::string& why) {
    if (why_unknown_.empty()) why_unknown_ = why;
    return Liveness::Unknown;
  }

  // Whether shard i of rec is kept on this drive.
  bool on_this_drive(const ObjectRecord& rec, size_t i) const {
    const Pool* p = set_.pool(rec.layout.pool);
    if (!p || i >= rec.layout.distribution.size() || i >= rec.layout.segments.size()) return false;
    const auto d = static_cast<size_t>(rec.layout.distribution[i]);
    return d < p->drives.size() && p->drives[d].root() == root_ && rec.layout.segments[i].length > 0;
  }

  static std::string record_copy(const ObjectRecord& rec) {
    ObjectRecord copy = rec;
    copy.layout.segments.clear();  // the drives' copy never names places (docs/format.md)
    return encode_object_record(copy);
  }

  // Scans candidate c: its live shards become copies, its dead entries and
  // records candidates for carrying over.
  void collect(Candidate& c) {
    size_t matched = 0;
    std::vector<ShardCopy> copies;
    std::set<std::string> dead_ids;
    std::map<std::string, ObjectRecord> records;
    bool unknown = false;
    const auto u = usage_.find(c.id);
    const uint64_t named = u == usage_.end() ? 0 : u->second.refs;
    if (c.size < kSegmentHeaderSize && named == 0) return;  // headless: nothing to carry, removed
    auto scanned = scan_segment(segment_path(root_, c.id), [&](const SegmentEntry& e) {
      if (e.kind == SegmentEntryKind::Dead) {
        dead_ids.insert(e.data_id);
        return;
      }
      std::optional<ObjectRecord> cur;
      const Liveness l = lookup(e.record, cur);
      if (l == Liveness::Unknown) {
        unknown = true;
        return;
      }
      if (l == Liveness::Dead || cur->layout.data_id != e.data_id || !cur->layout.in_segments()) return;
      if (e.kind == SegmentEntryKind::Record) {
        for (size_t i = 0; i < cur->layout.segments.size(); ++i)
          if (on_this_drive(*cur, i)) records.emplace(e.data_id, *cur);
        return;
      }
      const size_t i = e.shard_index;
      if (!on_this_drive(*cur, i) || cur->layout.segments[i] != SegmentRef{c.id, e.offset, e.shard_len}) return;
      ++matched;
      copies.push_back(
          {*cur, i, encode_segment_entry(SegmentEntryKind::Shard, e.shard_index, e.data_id, e.image, record_copy(*cur)),
           e.shard_len});
    });
    // Something the index names here was not seen (damage before it, an unreadable
    // record copy): the file stays, its shards are healed in place by reads and scrubs.
    if (!scanned || unknown || matched < named) {
      c.keep = true;
      ++report_.segments_kept;
      spdlog::warn("segment {} kept: {}", segment_path(root_, c.id),
                   !scanned  ? scanned.error().message
                   : unknown ? "an entry's record: " + why_unknown_
                             : "not every live entry the index names was found");
      return;
    }
    // Only what leaves with a removed segment is carried over.
    for (auto& s : copies) {
      moved_ids_.insert(s.seen.layout.data_id);
      shard_copies_.push_back(std::move(s));
    }
    dead_ids_.merge(dead_ids);
    records_.merge(records);
  }

  // A dead entry keeps rebuild-index from bringing its object back while some
  // staying segment of this drive holds entries of that data id.
  void carry_needed_deads() {
    if (dead_ids_.empty()) return;
    std::set<std::string> needed;
    for (uint64_t id : staying_)
      (void)scan_segment(segment_path(root_, id), [&](const SegmentEntry& e) {
        if (e.kind != SegmentEntryKind::Dead && dead_ids_.count(e.data_id)) needed.insert(e.data_id);
      });
    for (const auto& id : needed)
      other_copies_.push_back(encode_segment_entry(SegmentEntryKind::Dead, kSegmentNoShard, id, {}, {}));
  }

  // The newest record of a live data id whose shard stays elsewhere on this drive
  // (a moved shard carries the record beside it).
  void carry_records() {
    for (const auto& [id, rec] : records_)
      if (!moved_ids_.count(id))
        other_copies_.push_back(
            encode_segment_entry(SegmentEntryKind::Record, kSegmentNoShard, id, {}, record_copy(rec)));
  }

  // Appends every copy durably and commits the shards' new places. False when
  // something failed that a later pass should retry.
  bool move_all() {
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& s : shard_copies_) entries.emplace_back(root_, s.entry);
    for (const auto& e : other_copies_) entries.emplace_back(root_, e);
    if (entries.empty()) return true;
    PendingShards pending;  // until the commits below
    auto placed = append_durably(set_.segments, set_.syncs, entries, &pending);
    for (const auto& p : placed)
      if (!p) {
        spdlog::warn("segment compaction on {}: {}", root_, p.error().message);
        return false;
      }
    bool ok = true;
    for (size_t i = 0; i < shard_copies_.size(); ++i) {
      const ShardCopy& s = shard_copies_[i];
      auto moved = set_.index->move_segments_if(s.seen, {{s.shard, {placed[i]->segment, placed[i]->offset, s.length}}});
      if (moved) {
        ++report_.entries_moved;
      } else if (moved.error().code != s3::Code::NoSuchKey) {  // NoSuchKey: overwritten or deleted meanwhile
        spdlog::warn("segment compaction on {}: {}", root_, moved.error().message);
        ok = false;
      }
    }
    return ok;
  }

  // Removes the compacted segments. Readers look a record up and open its
  // files under data_mu shared, so none is between the two for a removed file;
  // a cached descriptor goes too, so the space comes back once its readers finish.
  void remove_done() {
    std::vector<Candidate> gone;
    {
      std::unique_lock lock(set_.data_mu);
      for (const auto& c : candidates_) {
        if (c.keep) continue;
        const std::string path = segment_path(root_, c.id);
        if (::unlink(path.c_str()) == 0) gone.push_back(c);
        set_.segments.fds().forget(root_, c.id);
      }
    }
    if (gone.empty()) return;
    (void)fs::fsync_dir(segments_dir(root_));
    for (const auto& c : gone) {
      ++report_.segments_removed;
      report_.bytes_freed += c.size;
    }
  }

  // A torn last entry (a write a crash cut short) is cut off when nothing the
  // index names lies past it.
  void sweep_tail(uint64_t id, uint64_t size) {
    const std::string path = segment_path(root_, id);
    auto good = scan_segment(path, [](const SegmentEntry&) {});
    if (!good || *good >= size) return;
    const auto u = usage_.find(id);
    if (u != usage_.end() && u->second.end > *good) return;  // damage, not a tail: reads heal around it
    if (::truncate(path.c_str(), static_cast<off_t>(*good)) != 0) return;
    ++report_.tails_truncated;
    report_.bytes_freed += size - *good;
  }

  ErasureSet& set_;
  std::string root_;
  const DriveUsage& usage_;
  const ReclaimOptions& opt_;
  ReclaimReport& report_;
  std::vector<Candidate> candidates_;
  std::vector<uint64_t> staying_;  // segments that stay (open, well used, kept)
  std::vector<ShardCopy> shard_copies_;
  std::vector<std::string> other_copies_;        // dead and record entries carried over
  std::set<std::string> dead_ids_;               // named by dead entries of candidates
  std::set<std::string> moved_ids_;              // data ids of shard_copies_
  std::map<std::string, ObjectRecord> records_;  // live data ids with record entries in candidates
  std::string why_unknown_;                      // why the first unknown entry was
};

}  // namespace

s3::Result<ReclaimReport> reclaim_segments(ErasureSet& set, const ReclaimOptions& opt) {
  ReclaimReport report;
  auto usage = live_usage(set);
  if (!usage) return usage.error();
  for (const Drive* d : set.all_drives()) {
    if (!d->usable()) continue;
    if (auto s = DriveReclaimer(set, *d, (*usage)[d->root()], opt, report).run(); !s) return s.error();
  }
  return report;
}

}  // namespace silt
