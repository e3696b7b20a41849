#include "erasure/drive_meta.h"

#include <atomic>
#include <cstdio>

#include "erasure/fs.h"
#include "erasure/parallel.h"
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

int rewrite_drive_meta(const ErasureSet& set, const ObjectRecord& rec) {
  if (rec.info.delete_marker || rec.parts.empty()) return 0;
  const std::string data_id = rec.primary_data_id();
  const Pool* pool = set.pool(rec.layout.pool);
  if (data_id.empty() || !pool) return 0;
  return replace_drive_meta(*pool, data_id, rec.distribution_of(rec.parts.front()), encode_object_record(rec));
}

}  // namespace silt
