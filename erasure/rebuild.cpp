#include "erasure/rebuild.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "erasure/erasure_set.h"
#include "erasure/fs.h"
#include "erasure/segment_file.h"
#include "erasure/sys_mirror.h"
#include "index/index_builder.h"
#include "index/keys.h"

namespace silt {

namespace {

namespace stdfs = std::filesystem;

// One distinct meta.json text of a data dir, with the drives that hold it.
struct MetaCopy {
  int votes = 0;
  int64_t newest_file_ns = 0;
};

struct Scan {
  std::map<std::string, std::map<std::string, MetaCopy>> metas;  // data id -> text -> copies
  std::map<std::string, MirroredDoc> buckets;                    // newest copy per bucket
  std::map<std::pair<std::string, std::string>, MirroredDoc> configs;
  std::map<std::string, UploadInfo> uploads;
  // Small objects: data id -> shard index -> where a drive's segment holds it.
  std::map<std::string, std::map<uint32_t, SegmentRef>> segment_shards;
  std::set<std::string> dead;  // data ids a Dead entry names: deleted or replaced
  size_t skipped = 0;
};

int64_t file_mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

void keep_newest(std::map<std::string, MirroredDoc>& m, const std::string& k, MirroredDoc d) {
  auto it = m.find(k);
  if (it == m.end() || it->second.written_us < d.written_us) m[k] = std::move(d);
}

void scan_data(const std::string& root, Scan& out) {
  std::error_code ec;
  for (const auto& fan : stdfs::directory_iterator(root + "/data", ec)) {
    std::error_code ec2;
    if (!fan.is_directory(ec2)) continue;
    for (const auto& dir : stdfs::directory_iterator(fan.path(), ec2)) {
      const std::string path = dir.path().string() + "/" + kMetaFile;
      auto text = fs::read_file(path);
      if (!text || text->empty()) {
        ++out.skipped;
        continue;
      }
      MetaCopy& c = out.metas[dir.path().filename().string()][*text];
      ++c.votes;
      c.newest_file_ns = std::max(c.newest_file_ns, file_mtime_ns(path));
    }
  }
}

// Every segment file of the drive: each entry's shard goes into segment_shards,
// and the drive's latest record copy of each data id counts as that drive's
// meta.json of it (a Record entry supersedes the copy beside the shard).
void scan_segments(const std::string& root, Scan& out) {
  std::map<uint64_t, std::string> files;  // in id order: later segments are newer
  std::error_code ec;
  for (const auto& f : stdfs::directory_iterator(segments_dir(root), ec)) {
    uint64_t id = 0;
    if (parse_segment_name(f.path().filename().string(), id)) files[id] = f.path().string();
  }
  std::map<std::string, std::pair<std::string, int64_t>> latest;  // data id -> (record, file time)
  for (const auto& [id, path] : files) {
    const int64_t ns = file_mtime_ns(path);
    auto r = scan_segment(path, [&](const SegmentEntry& e) {
      if (e.kind == SegmentEntryKind::Dead) out.dead.insert(e.data_id);
      if (e.kind == SegmentEntryKind::Shard) out.segment_shards[e.data_id][e.shard_index] = {id, e.offset, e.shard_len};
      if (!e.record.empty()) latest[e.data_id] = {e.record, ns};
    });
    if (!r) ++out.skipped;
  }
  for (const auto& [data_id, copy] : latest) {
    MetaCopy& c = out.metas[data_id][copy.first];
    ++c.votes;
    c.newest_file_ns = std::max(c.newest_file_ns, copy.second);
  }
}

void scan_sys(const std::string& root, Scan& out) {
  std::error_code ec;
  for (const auto& b : stdfs::directory_iterator(mirror_buckets_dir(root), ec)) {
    const std::string bucket = b.path().filename().string();
    if (auto text = fs::read_file(b.path().string() + "/" + kBucketMirrorFile)) {
      auto doc = decode_bucket_mirror(*text);
      if (doc)
        keep_newest(out.buckets, bucket, std::move(*doc));
      else
        ++out.skipped;
    }
    std::error_code ec2;
    for (const auto& c : stdfs::directory_iterator(b.path() / "config", ec2)) {
      auto text = fs::read_file(c.path().string());
      auto doc = text ? decode_config_mirror(*text) : s3::Result<MirroredDoc>(text.error());
      if (!doc) {
        ++out.skipped;
        continue;
      }
      auto key = std::make_pair(bucket, config_name_from_file(c.path().filename().string()));
      auto it = out.configs.find(key);
      if (it == out.configs.end() || it->second.written_us < doc->written_us) out.configs[key] = std::move(*doc);
    }
  }
  for (const auto& u : stdfs::directory_iterator(mirror_uploads_dir(root), ec)) {
    auto text = fs::read_file(u.path().string());
    auto info = text ? decode_upload_info(*text) : s3::Result<UploadInfo>(text.error());
    if (!info || !keys::is_upload_id(info->upload_id) || u.path().filename().string() != info->upload_id + ".json") {
      ++out.skipped;
      continue;
    }
    out.uploads[info->upload_id] = std::move(*info);
  }
}

// What a data dir holds once its copies are decided.
struct DirRecord {
  std::string data_id;
  int64_t file_ns = 0;
  std::optional<ObjectRecord> object;  // a version (or delete marker), or a completed multipart object
  std::optional<UploadedPart> part;
};

bool is_null_vkey(const std::string& vkey) {
  return vkey.ends_with("0000000000000000");
}

// The copy most drives agree on (the newest of equals) that decodes and belongs in this dir.
std::optional<DirRecord> decide(const std::string& id, const std::map<std::string, MetaCopy>& copies, size_t& skipped) {
  std::vector<std::pair<const std::string*, const MetaCopy*>> order;
  for (const auto& [text, c] : copies) order.emplace_back(&text, &c);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.second->votes != b.second->votes) return a.second->votes > b.second->votes;
    return a.second->newest_file_ns > b.second->newest_file_ns;
  });
  std::optional<DirRecord> out;
  for (const auto& [text, c] : order) {
    DirRecord d{id, c->newest_file_ns, {}, {}};
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object() && j.value("kind", "") == "part") {
      auto p = decode_uploaded_part(*text);
      if (p && p->layout.data_id == id) d.part = std::move(*p);
    } else {
      // A single PUT's dir or a multipart object's first part's dir; after a
      // storage class transition every part's dir holds the object record.
      auto r = decode_object_record(*text);
      if (r) {
        auto ids = data_ids_of(*r);  // a delete marker: its own dir
        if (std::find(ids.begin(), ids.end(), id) != ids.end()) d.object = std::move(*r);
      }
    }
    if (!d.part && !d.object) {
      skipped += static_cast<size_t>(c->votes);
      continue;
    }
    if (!out) out = std::move(d);
  }
  return out;
}

std::string utc_stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// LevelDB's own lock on <dir>/LOCK (fcntl, like leveldb's PosixEnv): held by a
// running server; we hold it ourselves while the index is rebuilt and swapped.
class DirLock {
 public:
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  s3::Status lock(const std::string& dir) {
    const std::string path = dir + "/LOCK";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return fs::io_error("open", path);
    struct flock f {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    if (::fcntl(fd_, F_SETLK, &f) != 0)
      return s3::Error(s3::Code::InternalError, "the index " + dir +
                                                    " is in use by another process (is silt server running?); "
                                                    "stop it before rebuilding the index");
    return {};
  }

 private:
  int fd_ = -1;
};

}  // namespace

std::vector<std::string> config_drive_roots(const ErasureConfig& cfg) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::vector<std::string>& ds) {
    for (const auto& d : ds)
      if (seen.insert(d).second) out.push_back(d);
  };
  add(cfg.drives);
  for (const auto& p : cfg.pools) add(p.drives);
  return out;
}

s3::Result<RebuildStats> build_index_from_drives(const std::vector<std::string>& drive_roots,
                                                 const std::string& new_dir) {
  const auto start = std::chrono::steady_clock::now();
  RebuildStats st;
  st.drives = drive_roots.size();
  Scan scan;
  for (const auto& root : drive_roots) {
    scan_data(root, scan);
    scan_segments(root, scan);
    scan_sys(root, scan);
  }

  // Decide every data dir; completed uploads are those an object record names.
  std::vector<DirRecord> dirs;
  for (const auto& id : scan.dead) scan.metas.erase(id);
  for (const auto& [id, copies] : scan.metas)
    if (auto d = decide(id, copies, scan.skipped)) {
      // A small object: the index names the place of each shard the drives hold.
      if (auto it = scan.segment_shards.find(id);
          d->object && !d->object->multipart() && it != scan.segment_shards.end()) {
        ObjectLayout& l = d->object->layout;
        l.segments.assign(l.distribution.size(), SegmentRef{});
        for (const auto& [shard, ref] : it->second)
          if (shard < l.segments.size()) l.segments[shard] = ref;
      }
      dirs.push_back(std::move(*d));
    }
  std::set<std::string> completed_uploads, named_ids;
  for (const auto& d : dirs) {
    if (!d.object) continue;
    if (!d.object->upload_id.empty()) completed_uploads.insert(d.object->upload_id);
    for (const auto& p : d.object->parts) named_ids.insert(p.data_id);
  }

  // Buckets: the newest mirrored record, else inferred from what names them.
  std::map<std::string, std::string> buckets;
  for (const auto& [name, doc] : scan.buckets) buckets[name] = doc.body;
  std::map<std::string, std::pair<int64_t, bool>> inferred;  // bucket -> (oldest mtime, has real versions)
  auto infer = [&](const std::string& b, int64_t ms, bool real_version) {
    if (buckets.count(b)) return;
    auto [it, fresh] = inferred.try_emplace(b, ms, real_version);
    if (!fresh) it->second = {std::min(it->second.first, ms), it->second.second || real_version};
  };

  // Versions per key, one record per vkey.
  std::map<std::pair<std::string, std::string>, std::map<std::string, const DirRecord*>> keys_versions;
  for (auto& d : dirs) {
    if (!d.object) continue;
    ObjectRecord& r = *d.object;
    if (!keys::is_version_id(r.version_key)) {
      // Written before meta.json carried version keys: a null version unless
      // its bucket is versioned, dated by its mtime.
      bool versioned = false;
      if (auto b = buckets.find(r.info.bucket); b != buckets.end())
        versioned = b->second.find("\"versioning\"") != std::string::npos;
      r.version_key = keys::make_version_key(static_cast<uint64_t>(r.info.mtime_ms) * 1000, !versioned);
    }
    r.info.version_id = is_null_vkey(r.version_key) ? "null" : r.version_key;
    infer(r.info.bucket, r.info.mtime_ms, !is_null_vkey(r.version_key));
    auto& slot = keys_versions[{r.info.bucket, r.info.key}][r.version_key];
    // The same version in two dirs (a transition cut short): the newer copy.
    if (!slot || slot->file_ns < d.file_ns) slot = &d;
  }

  // Uploads in progress and their parts (the newest copy of each part number).
  std::map<std::string, UploadInfo> uploads;
  for (auto& [id, u] : scan.uploads)
    if (!completed_uploads.count(id)) uploads[id] = u;
  std::map<std::pair<std::string, int>, const DirRecord*> parts;
  for (const auto& d : dirs) {
    if (!d.part || named_ids.count(d.data_id) || !uploads.count(d.part->upload_id)) continue;
    auto& slot = parts[{d.part->upload_id, d.part->info.number}];
    if (!slot ||
        std::make_pair(slot->part->info.mtime_ms, slot->file_ns) < std::make_pair(d.part->info.mtime_ms, d.file_ns))
      slot = &d;
  }
  for (const auto& [id, u] : uploads) infer(u.bucket, u.initiated_ms, false);
  for (const auto& [name, info] : inferred) {
    nlohmann::json j = {{"name", name}, {"created_ms", info.first}};
    if (info.second) j["versioning"] = "Enabled";
    buckets[name] = j.dump();
    ++st.buckets_inferred;
  }

  auto builder = IndexBuilder::create(new_dir);
  if (!builder) return builder.error();
  IndexBuilder& b = **builder;
  for (const auto& [name, record] : buckets)
    if (auto s = b.put_bucket(name, record); !s) return s.error();
  st.buckets = buckets.size();
  for (const auto& [key, doc] : scan.configs) {
    if (!buckets.count(key.first)) continue;
    if (auto s = b.put_config(key.first, key.second, doc.body); !s) return s.error();
    ++st.configs;
  }
  std::set<std::string> referenced;  // data dirs of what the new index holds
  for (const auto& [key, by_vkey] : keys_versions) {
    std::vector<ObjectRecord> versions;  // newest first: vkeys sort that way
    bool have_null = false;
    for (const auto& [vkey, d] : by_vkey) {
      // One null version per key: an older one is a crash leftover of an overwrite.
      if (is_null_vkey(vkey) && std::exchange(have_null, true)) continue;
      versions.push_back(*d->object);
      for (auto& id : data_ids_of(*d->object)) referenced.insert(std::move(id));
      ++(d->object->info.delete_marker ? st.delete_markers : st.versions);
    }
    if (auto s = b.put_key_versions(versions); !s) return s.error();
  }
  for (const auto& [id, u] : uploads)
    if (auto s = b.put_upload(u); !s) return s.error();
  st.uploads = uploads.size();
  for (const auto& [key, d] : parts) {
    if (auto s = b.put_part(*d->part); !s) return s.error();
    referenced.insert(d->data_id);
  }
  st.parts = parts.size();
  if (auto s = b.finish(); !s) return s.error();

  for (const auto& [id, copies] : scan.metas) st.unreferenced_dirs += referenced.count(id) ? 0 : 1;
  st.skipped_files = scan.skipped;
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return st;
}

s3::Result<RebuildStats> rebuild_index(const ErasureConfig& cfg) {
  if (cfg.index_dir.empty()) return s3::Error(s3::Code::InvalidArgument, "no index directory configured");
  const std::string index = stdfs::path(cfg.index_dir).lexically_normal().string();
  std::error_code ec;
  const bool had_index = stdfs::exists(index, ec);
  DirLock lock;
  if (had_index)
    if (auto s = lock.lock(index); !s) return s.error();
  const std::string stamp = utc_stamp();
  const std::string fresh = index + ".rebuild-" + stamp;
  if (stdfs::exists(fresh, ec)) return s3::Error(s3::Code::InternalError, fresh + " already exists");
  auto st = build_index_from_drives(config_drive_roots(cfg), fresh);
  if (!st) {
    fs::remove_all(fresh);
    return st.error();
  }
  st->index_dir = index;
  if (had_index) {
    // An index dir with nothing but our LOCK file was never an index: drop it.
    bool only_lock = true;
    for (const auto& e : stdfs::directory_iterator(index, ec)) only_lock = only_lock && e.path().filename() == "LOCK";
    if (only_lock) {
      fs::remove_all(index);
    } else {
      st->old_index = index + ".old-" + stamp;
      if (::rename(index.c_str(), st->old_index.c_str()) != 0) return fs::io_error("rename", index);
    }
  }
  if (::rename(fresh.c_str(), index.c_str()) != 0) return fs::io_error("rename", fresh);
  (void)fs::fsync_dir(stdfs::path(index).parent_path().string());
  return st;
}

}  // namespace silt
