#include "erasure/erasure_object_layer.h"

#include <cstdio>
#include <filesystem>
#include <mutex>

#include <nlohmann/json.hpp>

#include "erasure/fs.h"
#include "erasure/object_reader.h"
#include "erasure/object_writer.h"
#include "erasure/parallel.h"
#include "erasure/random_id.h"
#include "util/time.h"

namespace silt {

s3::Status ErasureObjectLayer::make_bucket(std::string_view bucket) {
  return set_->index->create_bucket(bucket, now_ms());
}

s3::Result<BucketInfo> ErasureObjectLayer::head_bucket(std::string_view bucket) {
  return set_->index->get_bucket(bucket);
}

s3::Status ErasureObjectLayer::delete_bucket(std::string_view bucket) { return set_->index->delete_bucket(bucket); }

s3::Result<std::vector<BucketInfo>> ErasureObjectLayer::list_buckets() { return set_->index->list_buckets(); }

s3::Result<std::unique_ptr<ObjectWriter>> ErasureObjectLayer::create_object(std::string_view bucket,
                                                                           std::string_view key,
                                                                           const WriteConditions& cond) {
  // Fail early; commit checks again (and checks cond) under the key lock.
  if (auto b = set_->index->get_bucket(bucket); !b) return b.error();
  WriteConditions c = cond;
  if (c.if_none_match_any || !c.if_match.empty()) {
    auto cur = set_->index->get_object(bucket, key);
    c.existed_at_start = cur.ok() && !cur->info.delete_marker;
  }
  return start_object_writer(*set_, WriteTarget{std::string(bucket), std::string(key), c, {}, 1});
}

namespace {

s3::Error delete_marker_error(s3::Code code, const ObjectRecord& rec) {
  s3::Error e(code, code == s3::Code::NoSuchKey ? "The specified key does not exist."
                                                : "The specified method is not allowed against this resource.");
  e.with("DeleteMarker", "true").with("VersionId", rec.info.version_id);
  return e;
}

// The version named (empty: the latest), refusing delete markers as stat_object does.
s3::Result<ObjectRecord> live_version(Index& index, std::string_view bucket, std::string_view key,
                                      std::string_view version_id) {
  auto rec = version_id.empty() ? index.get_object(bucket, key) : index.get_version(bucket, key, version_id);
  if (!rec) return rec.error();
  if (rec->info.delete_marker)
    return delete_marker_error(version_id.empty() ? s3::Code::NoSuchKey : s3::Code::MethodNotAllowed, *rec);
  return rec;
}

}  // namespace

s3::Result<ObjectInfo> ErasureObjectLayer::stat_object(std::string_view bucket, std::string_view key,
                                                       std::string_view version_id) {
  auto rec = live_version(*set_->index, bucket, key, version_id);
  if (!rec) return rec.error();
  return std::move(rec->info);
}

s3::Result<std::unique_ptr<ObjectReader>> ErasureObjectLayer::open_object(const ObjectInfo& info, uint64_t offset,
                                                                         uint64_t length) {
  if (offset > info.size || length > info.size - offset)
    return s3::Error(s3::Code::InvalidRange, "The requested range is not satisfiable");
  std::shared_lock lock(set_->data_mu);
  auto rec = set_->index->get_object(info.bucket, info.key);
  if (rec && rec->info.version_id != info.version_id) rec = set_->index->get_version(info.bucket, info.key, info.version_id);
  if (!rec) {
    // The null version was replaced since stat_object: like an overwrite below.
    if (rec.error().code == s3::Code::NoSuchVersion && info.version_id == "null")
      return s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.");
    return rec.error();
  }
  if (rec->info.delete_marker) return delete_marker_error(s3::Code::NoSuchKey, *rec);
  // Same etag and size means the same bytes (a metadata update keeps the data),
  // so only a real overwrite since stat_object is refused. The key does exist,
  // so not NoSuchKey: 503 makes clients retry, and the retry sees the new version.
  if (rec->info.etag != info.etag || rec->info.size != info.size)
    return s3::Error(s3::Code::ServiceUnavailable, "The object was overwritten while being opened; please retry.");
  return open_object_reader(*set_, *rec, offset, length);
}

void ErasureObjectLayer::rewrite_drive_meta(const ObjectRecord& rec) {
  // A single PUT's record lives in its data dir; a multipart object's in its
  // first part's data dir (the other parts keep their part records).
  if (rec.info.delete_marker || rec.parts.empty()) return;
  const std::string& data_id = rec.multipart() ? rec.parts.front().data_id : rec.layout.data_id;
  const std::vector<int>& dist = rec.distribution_of(rec.parts.front());
  if (data_id.empty()) return;
  const std::string json = encode_object_record(rec);
  // Best effort on the drives (a wiped drive has no directory to update); the
  // index is the authority. Each meta.json is replaced atomically.
  parallel_for(dist.size(), [&](size_t i) {
    int d = dist[i];
    if (d < 0 || static_cast<size_t>(d) >= set_->drives.size()) return;
    const Drive& drive = set_->drives[static_cast<size_t>(d)];
    std::string dir = drive.data_dir(data_id);
    std::string tmp = drive.tmp_root() + "/" + random_hex_id() + ".meta";
    if (!fs::exists(dir) || !fs::write_file_synced(tmp, json) ||
        ::rename(tmp.c_str(), (dir + "/" + kMetaFile).c_str()) != 0) {
      fs::remove_all(tmp);
      return;
    }
    (void)fs::fsync_dir(dir);
  });
}

s3::Result<ObjectInfo> ErasureObjectLayer::update_metadata(std::string_view bucket, std::string_view key,
                                                           const ObjectMeta& meta) {
  auto cur = live_version(*set_->index, bucket, key, {});
  if (!cur) return cur.error();
  ObjectRecord rec = std::move(*cur);
  rec.info.meta = meta;  // tags included: the caller passes the ones to keep
  rec.info.mtime_ms = now_ms();
  rewrite_drive_meta(rec);
  if (auto s = set_->index->replace_object_if(rec, rec.layout.data_id); !s) return s.error();
  return rec.info;
}

s3::Result<ObjectInfo> ErasureObjectLayer::set_tags(std::string_view bucket, std::string_view key,
                                                    std::string_view version_id,
                                                    const std::vector<std::pair<std::string, std::string>>& tags) {
  auto cur = live_version(*set_->index, bucket, key, version_id);
  if (!cur) return cur.error();
  ObjectRecord rec = std::move(*cur);
  rec.info.meta.tags = tags;
  rewrite_drive_meta(rec);
  if (auto s = set_->index->replace_object_if(rec, rec.layout.data_id); !s) return s.error();
  return rec.info;
}

s3::Result<DeleteOutcome> ErasureObjectLayer::delete_object(std::string_view bucket, std::string_view key,
                                                             std::string_view version_id) {
  auto d = set_->index->delete_object(bucket, key, version_id);
  if (!d) return d.error();
  for (const auto& rec : d->removed) set_->remove_data(rec);
  return d->outcome;
}

s3::Result<ListResult> ErasureObjectLayer::list_objects(std::string_view bucket, const ListParams& p) {
  return set_->index->list_objects(bucket, p);
}

s3::Result<VersionListResult> ErasureObjectLayer::list_object_versions(std::string_view bucket,
                                                                       const VersionListParams& p) {
  return set_->index->list_versions(bucket, p);
}

s3::Status ErasureObjectLayer::set_versioning(std::string_view bucket, Versioning state) {
  return set_->index->set_versioning(bucket, state);
}

s3::Status ErasureObjectLayer::put_bucket_config(std::string_view bucket, std::string_view name,
                                                 std::string_view value) {
  return set_->index->put_config(bucket, name, value);
}

s3::Result<std::optional<std::string>> ErasureObjectLayer::get_bucket_config(std::string_view bucket,
                                                                             std::string_view name) {
  return set_->index->get_config(bucket, name);
}

s3::Status ErasureObjectLayer::delete_bucket_config(std::string_view bucket, std::string_view name) {
  return set_->index->delete_config(bucket, name);
}

namespace {

// An unreferenced data directory is a crash orphan (renamed into data/ but the
// index commit never happened) only if its bucket is known to the index. When
// the bucket is unknown the index itself may be lost or replaced: keep the data
// so the index can be rebuilt from the drives.
bool is_orphan(ErasureSet& set, const std::string& dir) {
  auto meta = fs::read_file(dir + "/" + kMetaFile);
  if (!meta) return true;  // not yet complete when we crashed; nothing can use it
  // An object record or a part record (docs/format.md): both name their bucket.
  auto j = nlohmann::json::parse(*meta, nullptr, false);
  if (!j.is_object() || !j.contains("bucket") || !j["bucket"].is_string()) return true;
  return set.index->get_bucket(j["bucket"].get<std::string>()).ok();
}

}  // namespace

s3::Status recover_drives(ErasureSet& set) {
  auto referenced = set.index->referenced_data_ids();
  if (!referenced) return referenced.error();
  namespace stdfs = std::filesystem;
  for (const Drive& d : set.drives) {
    std::error_code ec;
    for (const auto& e : stdfs::directory_iterator(d.tmp_root(), ec)) fs::remove_all(e.path().string());
    for (const auto& fan : stdfs::directory_iterator(d.data_root(), ec)) {
      if (!fan.is_directory()) continue;
      std::error_code ec2;
      for (const auto& obj : stdfs::directory_iterator(fan.path(), ec2)) {
        std::string path = obj.path().string();
        if (!referenced->count(obj.path().filename().string()) && is_orphan(set, path)) fs::remove_all(path);
      }
    }
  }
  return {};
}

s3::Result<std::unique_ptr<ObjectLayer>> open_erasure_object_layer(const ErasureConfig& cfg) {
  const int n = static_cast<int>(cfg.drives.size());
  if (n < 1 || n > 255) return s3::Error(s3::Code::InternalError, "erasure set needs 1 to 255 drives");
  if (cfg.parity < 0 || cfg.parity >= n)
    return s3::Error(s3::Code::InternalError, "parity must be at least 0 and less than the number of drives (" +
                                                  std::to_string(n) + ")");
  if (cfg.block_size == 0 || cfg.block_size > (1u << 30))
    return s3::Error(s3::Code::InternalError, "block_size must be between 1 byte and 1 GiB");
  if (cfg.index_dir.empty()) return s3::Error(s3::Code::InternalError, "index_dir is not set");
  auto drives = open_drives(cfg.drives, cfg.parity);
  if (!drives) return drives.error();
  if (auto s = fs::make_dirs(cfg.index_dir); !s) return s.error();
  auto index = Index::open(cfg.index_dir);
  if (!index) return index.error();
  auto set = std::make_unique<ErasureSet>(std::move(*drives), cfg.parity, cfg.block_size, std::move(*index));
  if (auto s = recover_drives(*set); !s) return s.error();
  return std::unique_ptr<ObjectLayer>(std::make_unique<ErasureObjectLayer>(std::move(set)));
}

}  // namespace silt
