#include "erasure/drive_meta.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "erasure/fs.h"
#include "erasure/group_sync.h"
#include "erasure/parallel.h"
#include "erasure/segment_file.h"
#include "erasure/segments.h"
#include "util/random_id.h"

namespace silt {

int replace_drive_meta(const Pool& pool, const std::string& data_id, const std::vector<int>& dist,
                       const std::string& json) {
  std::atomic<int> done{0};
  parallel_for(dist.size(), [&](size_t i) {
    int d = dist[i];
    if (d < 0 || static_cast<size_t>(d) >= pool.drives.size()) return;
    const Drive& drive = pool.drives[static_cast<size_t>(d)];
    std::string dir = drive.data_dir(data_id);
    std::string tmp = drive.tmp_root() + "/" + random_hex_id() + ".meta";
    if (!fs::exists(dir) || !fs::write_file_synced(tmp, json) ||
        ::rename(tmp.c_str(), (dir + "/" + kMetaFile).c_str()) != 0) {
      fs::remove_all(tmp);
      return;
    }
    if (fs::fsync_dir(dir)) done.fetch_add(1);
  });
  return done.load();
}

// A small object's record lives beside its shards in the segment files: the new
// one is appended as a Record entry to every drive that holds a shard (a later
// entry of a data id supersedes the earlier ones for rebuild-index). Returns
// how many drives hold it durably.
int append_segment_meta(Segments& segments, GroupSyncs& group_syncs, const Pool& pool, const ObjectRecord& rec) {
  ObjectRecord copy = rec;
  copy.layout.segments.clear();  // the drives' copy never names places (docs/format.md)
  const std::string entry = encode_segment_entry(SegmentEntryKind::Record, kSegmentNoShard, rec.layout.data_id, {},
                                                 encode_object_record(copy));
  std::vector<GroupSync*> syncs;  // one per drive that took the entry
  for (size_t i = 0; i < rec.layout.distribution.size(); ++i) {
    const int d = rec.layout.distribution[i];
    if (rec.layout.segments[i].length == 0 || d < 0 || static_cast<size_t>(d) >= pool.drives.size()) continue;
    const Drive& drive = pool.drives[static_cast<size_t>(d)];
    if (!drive.usable() || !segments.store(drive.root()).append(entry)) continue;
    syncs.push_back(group_syncs.of(drive.root()));
  }
  // One sync per file system covers every drive on it.
  std::vector<std::pair<GroupSync*, bool>> done_fs;
  int done = 0;
  for (GroupSync* g : syncs) {
    if (!g) continue;
    auto it = std::find_if(done_fs.begin(), done_fs.end(), [&](const auto& f) { return f.first == g; });
    if (it == done_fs.end()) it = done_fs.insert(done_fs.end(), {g, g->sync().ok()});
    done += it->second ? 1 : 0;
  }
  return done;
}

int rewrite_drive_meta(ErasureSet& set, const ObjectRecord& rec) {
  if (rec.info.delete_marker || rec.parts.empty()) return 0;
  const std::string data_id = rec.primary_data_id();
  const Pool* pool = set.pool(rec.layout.pool);
  if (data_id.empty() || !pool) return 0;
  if (rec.layout.in_segments()) return append_segment_meta(set.segments, set.syncs, *pool, rec);
  return replace_drive_meta(*pool, data_id, rec.distribution_of(rec.parts.front()), encode_object_record(rec));
}

}  // namespace silt
