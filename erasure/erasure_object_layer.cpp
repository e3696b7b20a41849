#include "erasure/erasure_object_layer.h"

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "erasure/drive_meta.h"
#include "erasure/fs.h"
#include "erasure/object_reader.h"
#include "erasure/object_writer.h"
#include "erasure/parallel.h"
#include "erasure/segment_store.h"
#include "erasure/sys_mirror.h"
#include "object/cached_read.h"
#include "util/random_id.h"
#include "util/time.h"

namespace silt {

s3::Status ErasureObjectLayer::make_bucket(std::string_view bucket, std::string_view owner) {
  return set_->index->create_bucket(bucket, now_ms(), owner);
}

s3::Status ErasureObjectLayer::make_bucket_with(std::string_view bucket, std::string_view owner,
                                                const NewBucket& init) {
  return set_->index->create_bucket(bucket, now_ms(), owner, init);
}

s3::Result<BucketInfo> ErasureObjectLayer::head_bucket(std::string_view bucket) {
  return set_->index->get_bucket(bucket);
}

s3::Status ErasureObjectLayer::delete_bucket(std::string_view bucket) {
  auto freed = set_->index->delete_bucket(bucket);
  if (!freed) return freed.error();
  set_->remove_data_ids(*freed);
  return {};
}

s3::Result<std::vector<BucketInfo>> ErasureObjectLayer::list_buckets() {
  return set_->index->list_buckets();
}

s3::Result<Pool*> ErasureObjectLayer::class_pool(std::string_view storage_class) {
  if (storage_class.empty()) storage_class = "STANDARD";
  if (Pool* p = set_->pool_for_class(storage_class)) return p;
  return s3::Error(s3::Code::InvalidStorageClass, "The storage class you specified is not valid")
      .with("StorageClassRequested", std::string(storage_class));
}

s3::Result<std::unique_ptr<ObjectWriter>> ErasureObjectLayer::create_object(std::string_view bucket,
                                                                            std::string_view key,
                                                                            const WriteConditions& cond,
                                                                            std::string_view storage_class) {
  auto pool = class_pool(storage_class);
  if (!pool) return pool.error();
  // Fail early; commit checks again (and checks cond) under the key lock.
  if (auto b = set_->index->get_bucket(bucket); !b) return b.error();
  WriteConditions c = cond;
  if (c.if_none_match_any || !c.if_match.empty()) {
    auto cur = set_->index->get_object(bucket, key);
    c.existed_at_start = cur.ok() && !cur->info.delete_marker;
  }
  return start_object_writer(*set_, **pool, WriteTarget{std::string(bucket), std::string(key), c, {}, 1});
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
  // A session thread does not wait for a writer's rename under data_mu (object/cached_read.h).
  std::shared_lock lock(set_->data_mu, std::defer_lock);
  if (!cached_read::active())
    lock.lock();
  else if (!lock.try_lock())
    return fs::would_block("data_mu");
  auto rec = set_->index->get_object(info.bucket, info.key);
  if (rec && rec->info.version_id != info.version_id)
    rec = set_->index->get_version(info.bucket, info.key, info.version_id);
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

s3::Result<ObjectInfo> ErasureObjectLayer::stat_and_open(
    std::string_view bucket, std::string_view key, std::string_view version_id,
    const std::function<bool(const ObjectInfo&)>& want,
    std::optional<s3::Result<std::unique_ptr<ObjectReader>>>& opened) {
  // As open_object: the record and the files it names are read with no removal between.
  std::shared_lock lock(set_->data_mu, std::defer_lock);
  if (!cached_read::active())
    lock.lock();
  else if (!lock.try_lock())
    return fs::would_block("data_mu");
  auto rec = live_version(*set_->index, bucket, key, version_id);
  if (!rec) return rec.error();
  if (want(rec->info)) opened.emplace(open_object_reader(*set_, *rec, 0, rec->info.size));
  return std::move(rec->info);
}

void ErasureObjectLayer::rewrite_drive_meta(const ObjectRecord& rec) {
  // Best effort on the drives (a wiped drive has no directory to update); the
  // index is the authority.
  (void)silt::rewrite_drive_meta(*set_, rec);
}

s3::Result<ObjectInfo> ErasureObjectLayer::modify_record(std::string_view bucket, std::string_view key,
                                                         std::string_view version_id,
                                                         const std::function<void(ObjectRecord&)>& change) {
  // A storage class transition may move the data between our read and our
  // commit (the commit then fails): read again, once more.
  for (int attempt = 0;; ++attempt) {
    auto cur = live_version(*set_->index, bucket, key, version_id);
    if (!cur) return cur.error();
    ObjectRecord rec = std::move(*cur);
    const std::string data_id = rec.primary_data_id();
    change(rec);
    ObjectRecord written;
    auto s = set_->index->replace_object_if(rec, data_id, &written);
    if (s) {
      written.info.is_latest = rec.info.is_latest;
      rewrite_drive_meta(written);
      return written.info;
    }
    if (s.error().code != s3::Code::NoSuchKey || attempt == 2) return s.error();
  }
}

s3::Result<ObjectInfo> ErasureObjectLayer::update_metadata(std::string_view bucket, std::string_view key,
                                                           const ObjectMeta& meta) {
  return modify_record(bucket, key, {}, [&](ObjectRecord& rec) {
    // The storage class is the data's: a metadata update does not move it.
    std::string storage_class = rec.info.meta.storage_class;
    rec.info.meta = meta;  // tags included: the caller passes the ones to keep
    rec.info.meta.storage_class = storage_class;
    rec.info.mtime_ms = now_ms();
  });
}

s3::Result<ObjectInfo> ErasureObjectLayer::set_tags(std::string_view bucket, std::string_view key,
                                                    std::string_view version_id,
                                                    const std::vector<std::pair<std::string, std::string>>& tags) {
  return modify_record(bucket, key, version_id, [&](ObjectRecord& rec) { rec.info.meta.tags = tags; });
}

s3::Result<ObjectInfo> ErasureObjectLayer::set_acl(std::string_view bucket, std::string_view key,
                                                   std::string_view version_id, std::string_view acl) {
  return modify_record(bucket, key, version_id, [&](ObjectRecord& rec) { rec.info.meta.acl = acl; });
}

s3::Result<ObjectInfo> ErasureObjectLayer::set_object_lock(std::string_view bucket, std::string_view key,
                                                           std::string_view version_id, const LockChange& change) {
  // The drives' copies carry the lock too, so rebuild-index restores it; they are written
  // before the index commits it, so a crash between leaves the drives holding the newer
  // lock (a change never acknowledged), never a rebuild restoring the older one.
  auto rec = set_->index->set_lock(bucket, key, version_id, change,
                                   [this](const ObjectRecord& changed) { rewrite_drive_meta(changed); });
  if (!rec) return rec.error();
  return rec->info;
}

s3::Result<DeleteOutcome> ErasureObjectLayer::delete_object(std::string_view bucket, std::string_view key,
                                                            std::string_view version_id, const IfCurrent* if_current) {
  auto d = set_->index->delete_object(bucket, key, version_id, if_current);
  if (!d) return d.error();
  for (const auto& rec : d->removed) set_->remove_data(rec);
  return d->outcome;
}

s3::Result<DeleteOutcome> ErasureObjectLayer::delete_object_if(std::string_view bucket, std::string_view key,
                                                               std::string_view version_id,
                                                               const DeleteConditions& cond) {
  auto d = set_->index->delete_object(bucket, key, version_id, nullptr, &cond);
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

bool ErasureObjectLayer::has_storage_class(std::string_view name) const {
  return set_->pool_for_class(name) != nullptr;
}

std::vector<PoolInfo> ErasureObjectLayer::pools() const {
  std::vector<PoolInfo> out;
  for (const auto& p : set_->pools) {
    PoolInfo i{p->name, p->k(), p->m(), p->block_size, p->zstd_level, p->price_per_tb_month, p->drives.size(), {}};
    for (const auto& [cls, pool] : set_->classes)
      if (pool == p.get()) i.storage_classes.push_back(cls);
    out.push_back(std::move(i));
  }
  return out;
}

s3::Status ErasureObjectLayer::set_versioning(std::string_view bucket, Versioning state) {
  return set_->index->set_versioning(bucket, state);
}

s3::Status ErasureObjectLayer::set_bucket_owner(std::string_view bucket, std::string_view owner) {
  return set_->index->set_owner(bucket, owner);
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

s3::Result<uint64_t> ErasureObjectLayer::transition_object(std::string_view bucket, std::string_view key,
                                                           std::string_view version_id, std::string_view storage_class,
                                                           const std::function<void(uint64_t)>& before_chunk) {
  auto target = class_pool(storage_class);
  if (!target) return target.error();
  Pool& pool = **target;
  auto cur = live_version(*set_->index, bucket, key, version_id);
  if (!cur) return cur.error();
  const ObjectRecord old = std::move(*cur);
  if (old.info.meta.storage_class == storage_class && set_->pool(old.layout.pool) == &pool) return uint64_t{0};

  // The new record, data ids chosen up front so that every new data dir's
  // meta.json can already describe the object as it will be after the flip.
  ObjectRecord moved = old;
  moved.info.meta.storage_class = std::string(storage_class);
  moved.layout = ObjectLayout{pool.k(), pool.m(), pool.block_size, "", {}, pool.name, pool.compressed() ? "zstd" : ""};
  std::vector<std::string> ids;
  for (auto& p : moved.parts) {
    ids.push_back(random_hex_id());
    p.data_id = ids.back();
    p.distribution = old.multipart() ? pool.distribution(p.data_id) : std::vector<int>{};
    p.stored = 0;
  }
  if (!old.multipart() && !ids.empty()) {
    moved.layout.data_id = ids.front();
    moved.layout.distribution = pool.distribution(ids.front());
  }
  const std::string meta_json = encode_object_record(moved);

  uint64_t offset = 0;
  for (size_t i = 0; i < moved.parts.size(); ++i) {
    PartRecord& p = moved.parts[i];
    s3::Result<PartRecord> written = s3::Error(s3::Code::InternalError, "not written");
    {
      std::shared_lock lock(set_->data_mu);
      auto reader = open_object_reader(*set_, old, offset, p.size);
      if (!reader) {
        set_->remove_data_ids(ids);
        return reader.error();
      }
      lock.unlock();  // the reader holds its files open now
      written = write_relocated_part(*set_, pool, **reader, p.size, p.number, p.data_id, meta_json, before_chunk);
    }
    if (!written) {
      set_->remove_data_ids(ids);
      return written.error();
    }
    p.stored = written->stored;
    offset += p.size;
  }
  // One synced commit flips the version to its new data; whatever happened to
  // the version meanwhile (overwrite, delete) wins and our copy goes.
  if (auto s = set_->index->replace_layout_if(moved, old.primary_data_id()); !s) {
    set_->remove_data_ids(ids);
    return s.error();
  }
  set_->remove_data(old);
  // The drives' meta.json now carries the stored sizes too (best effort).
  if (auto now = set_->index->get_version(bucket, key, old.info.version_id);
      now && now->primary_data_id() == ids.front())
    rewrite_drive_meta(*now);
  return old.info.size;
}

namespace {

// An unreferenced data directory is a crash orphan (renamed into data/ but the
// index commit never happened) only if its bucket is known to the index. When
// the bucket is unknown the index itself may be lost or replaced: keep the data
// so the index can be rebuilt from the drives.
bool is_orphan(const ErasureSet& set, const std::string& dir) {
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
  for (const Drive* drive : set.all_drives()) {
    const Drive& d = *drive;
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

namespace {

s3::Status check_pool(const PoolConfig& p) {
  const int n = static_cast<int>(p.drives.size());
  auto bad = [&](const std::string& why) { return s3::Error(s3::Code::InternalError, "pool " + p.name + ": " + why); };
  if (p.name.empty()) return s3::Error(s3::Code::InternalError, "every pool needs a name");
  if (n < 1 || n > 255) return bad("needs 1 to 255 drives");
  if (p.parity < 0 || p.parity >= n)
    return bad("parity must be at least 0 and less than the number of drives (" + std::to_string(n) + ")");
  if (p.block_size == 0 || p.block_size > (1u << 30)) return bad("block_size must be between 1 byte and 1 GiB");
  if (p.zstd_level < 0 || p.zstd_level > 22) return bad("zstd level must be 0 (off) to 22");
  if (p.price_per_tb_month < 0) return bad("price must not be negative");
  return {};
}

}  // namespace

s3::Result<std::unique_ptr<ErasureObjectLayer>> ErasureObjectLayer::open(const ErasureConfig& cfg) {
  std::vector<PoolConfig> pools = cfg.pools;
  auto classes = cfg.storage_classes;
  if (pools.empty()) {
    pools.push_back(PoolConfig{"standard", cfg.drives, cfg.parity, cfg.block_size, 0, 0});
    classes = {{"STANDARD", "standard"}};
  }
  if (cfg.index_dir.empty()) return s3::Error(s3::Code::InternalError, "index_dir is not set");
  auto set = std::make_unique<ErasureSet>(cfg.segment_size);
  set->inline_threshold = cfg.inline_threshold;
  // Drives are opened once per distinct drive list: pools on the same drives
  // share their format and identity.
  std::vector<std::pair<std::vector<std::string>, std::vector<Drive>>> opened;
  std::set<std::string> used_roots;
  for (const auto& pc : pools) {
    if (auto s = check_pool(pc); !s) return s.error();
    if (set->pool(pc.name)) return s3::Error(s3::Code::InternalError, "pool " + pc.name + " is defined twice");
    const std::vector<Drive>* drives = nullptr;
    for (const auto& [roots, ds] : opened)
      if (roots == pc.drives) drives = &ds;
    if (!drives) {
      for (const auto& r : pc.drives)
        if (!used_roots.insert(r).second)
          return s3::Error(s3::Code::InternalError, "drive " + r + " of pool " + pc.name +
                                                        " belongs to another pool with a different drive list; "
                                                        "pools share drives only as identical lists");
      auto ds = open_drives(pc.drives, pc.parity);
      if (!ds) return ds.error();
      opened.emplace_back(pc.drives, std::move(*ds));
      drives = &opened.back().second;
    }
    set->pools.push_back(std::make_unique<Pool>(pc, *drives));
  }
  for (const auto& [cls, pool_name] : classes) {
    // On S3 these classes are offline until restored, and clients act on that
    // (aws cli will not download them without RestoreObject); silt serves no
    // restore, so it maps only classes that are readable at once.
    if (cls == "GLACIER" || cls == "DEEP_ARCHIVE")
      return s3::Error(s3::Code::InternalError, "storage class " + cls +
                                                    " is an archive class that needs RestoreObject, which silt does "
                                                    "not serve; map GLACIER_IR (instantly readable) instead");
    Pool* p = set->pool(pool_name);
    if (pool_name.empty() || !p)
      return s3::Error(s3::Code::InternalError, "storage class " + cls + " names unknown pool '" + pool_name + "'");
    set->classes.emplace_back(cls, p);
  }
  if (!set->pool_for_class("STANDARD"))
    return s3::Error(s3::Code::InternalError, "storage class STANDARD must be mapped to a pool");
  if (auto s = fs::make_dirs(cfg.index_dir); !s) return s.error();
  auto index = Index::open(cfg.index_dir);
  if (!index) return index.error();
  set->index = std::move(*index);
  if (auto s = recover_drives(*set); !s) return s.error();
  // Before serving: the drives' copies match the index (erasure/sys_mirror.h).
  auto mirror = std::make_unique<SysMirror>(*set);
  auto mirror_state = set->index->mirror_state();
  if (!mirror_state) return mirror_state.error();
  mirror->sync(*mirror_state);
  set->index->set_mirror(mirror.get());
  set->mirror = std::move(mirror);
  return std::make_unique<ErasureObjectLayer>(std::move(set));
}

s3::Result<std::unique_ptr<ObjectLayer>> open_erasure_object_layer(const ErasureConfig& cfg) {
  auto layer = ErasureObjectLayer::open(cfg);
  if (!layer) return layer.error();
  return std::unique_ptr<ObjectLayer>(std::move(*layer));
}

}  // namespace silt
