#include "erasure/erasure_set.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <set>

#include "erasure/fs.h"
#include "erasure/segment_file.h"
#include "erasure/segment_store.h"
#include "util/time.h"

namespace silt {

std::vector<int> Pool::distribution(const std::string& data_id) const {
  const int n = static_cast<int>(drives.size());
  uint32_t rot = 0;
  for (size_t i = 0; i < 8 && i < data_id.size(); ++i) {
    char c = data_id[i];
    uint32_t d = (c >= '0' && c <= '9') ? static_cast<uint32_t>(c - '0') : static_cast<uint32_t>((c | 0x20) - 'a' + 10);
    rot = rot * 16 + (d & 0xf);
  }
  std::vector<int> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    out[static_cast<size_t>(i)] = static_cast<int>((static_cast<uint32_t>(i) + rot) % static_cast<uint32_t>(n));
  return out;
}

Pool* ErasureSet::pool(std::string_view name) const {
  if (name.empty()) return pools.empty() ? nullptr : pools.front().get();
  for (const auto& p : pools)
    if (p->name == name) return p.get();
  return nullptr;
}

Pool* ErasureSet::pool_for_class(std::string_view storage_class) const {
  for (const auto& [name, p] : classes)
    if (name == storage_class) return p;
  return nullptr;
}

std::vector<const Drive*> ErasureSet::all_drives() const {
  std::vector<const Drive*> out;
  std::set<std::string> seen;
  for (const auto& p : pools)
    for (const auto& d : p->drives)
      if (seen.insert(d.root()).second) out.push_back(&d);
  return out;
}

namespace {

std::string queued_name(std::string_view bucket, std::string_view key, std::string_view version_id) {
  std::string n(bucket);
  n.push_back('\0');
  n.append(key);
  n.push_back('\0');
  n.append(version_id);
  return n;
}

}  // namespace

void ErasureSet::queue_heal(const ObjectInfo& v, const std::string& reason) {
  {
    std::lock_guard lock(queued_mu);
    // Forgetting past entries only costs a repeated (idempotent) queue write.
    if (queued.size() > 100000) queued.clear();
    if (!queued.insert(queued_name(v.bucket, v.key, v.version_id)).second) return;
  }
  if (auto s = index->queue_heal(HealItem{v.bucket, v.key, v.version_id, reason, now_ms()}); !s)
    spdlog::warn("cannot queue {}/{} for healing: {}", v.bucket, v.key, s.error().message);
}

void ErasureSet::healed(const HealItem& item) {
  std::lock_guard lock(queued_mu);
  queued.erase(queued_name(item.bucket, item.key, item.version_id));
}

void ErasureSet::remove_data(const ObjectRecord& rec) {
  // A small object has no data dir: its segment entries are dead space from now
  // on, reclaimed with their segment. A Dead entry on each drive that holds a
  // shard says so, so that rebuild-index does not bring the object back; it is
  // made durable by the next GroupSync of that drive, like a data dir's removal
  // by the next syncfs (docs/format.md, "Segment files").
  if (rec.layout.in_segments()) {
    const Pool* p = pool(rec.layout.pool);
    if (!p) return;
    const std::string entry = encode_segment_entry(SegmentEntryKind::Dead, kSegmentNoShard, rec.layout.data_id, {}, {});
    for (size_t i = 0; i < rec.layout.distribution.size() && i < rec.layout.segments.size(); ++i) {
      const auto d = static_cast<size_t>(rec.layout.distribution[i]);
      if (rec.layout.segments[i].length == 0 || d >= p->drives.size() || !p->drives[d].usable()) continue;
      SegmentStore& store = segments.store(p->drives[d].root());
      (void)store.append(entry);
      store.add_dead(kSegmentEntryHeader + rec.layout.segments[i].length);
    }
    return;
  }
  remove_data_ids(data_ids_of(rec));
}

void ErasureSet::remove_data_ids(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  // Under the lock only rename into tmp/ (cheap, atomic); the slow rm -rf runs
  // later on the trash thread, so the caller (a PUT that replaced an object, a
  // DELETE) need not wait for it. Startup clears tmp/ should we crash first.
  // Data ids are unique across pools, so trying every drive is safe.
  std::vector<std::string> renamed;
  const auto drives = all_drives();
  {
    std::unique_lock lock(data_mu);
    for (const auto& id : ids) {
      if (id.size() < 2) continue;
      for (const Drive* d : drives) {
        std::string from = d->data_dir(id);
        std::string to = d->tmp_root() + "/" + id + ".deleted";
        if (::rename(from.c_str(), to.c_str()) == 0)
          renamed.push_back(to);
        else if (errno != ENOENT)
          fs::remove_all(from);  // e.g. tmp/ itself is gone: remove in place
      }
    }
  }
  trash.remove_later(std::move(renamed));
}

std::string part_file_name(int number) {
  return "part." + std::to_string(number);
}

}  // namespace silt
