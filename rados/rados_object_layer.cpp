#include "rados/rados_object_layer.h"

#include <spdlog/spdlog.h>

#include <set>

#include "index/write_conditions.h"
#include "object/cached_read.h"
#include "rados/buckets.h"
#include "rados/gc.h"
#include "rados/listing.h"
#include "rados/objects.h"
#include "rados/reader.h"
#include "rados/transition.h"
#include "rados/uploads.h"
#include "rados/versioning.h"
#include "rados/writer.h"
#include "util/time.h"

namespace silt {

RadosObjectLayer::RadosObjectLayer(std::unique_ptr<rados::Backend> b)
    : b_(std::move(b)),
      cache_(std::make_unique<rados::RootCache>(*b_, b_->cfg.watch_timeout_s)),
      handoff_(b_->cfg.gc_grace_ms) {
  if (b_->cfg.gc_interval_ms > 0) gc_thread_ = std::thread([this] { gc_loop(); });
}

RadosObjectLayer::~RadosObjectLayer() {
  {
    std::lock_guard lock(gc_mu_);
    stopping_ = true;
  }
  gc_cv_.notify_all();
  if (gc_thread_.joinable()) gc_thread_.join();
}

void RadosObjectLayer::gc_loop() {
  std::unique_lock lock(gc_mu_);
  while (!gc_cv_.wait_for(lock, std::chrono::milliseconds(b_->cfg.gc_interval_ms), [&] { return stopping_; })) {
    lock.unlock();
    if (auto n = collect_garbage(); !n) spdlog::warn("rados GC pass: {}", n.error().message);
    lock.lock();
  }
}

s3::Result<uint64_t> RadosObjectLayer::collect_garbage() {
  return rados::gc_pass(*b_, now_ms());
}

s3::Status RadosObjectLayer::make_bucket(std::string_view bucket, std::string_view owner) {
  return make_bucket_created(bucket, owner, now_ms());
}

s3::Status RadosObjectLayer::make_bucket_created(std::string_view bucket, std::string_view owner, int64_t created_ms) {
  auto st = rados::create_bucket(*b_, bucket, owner, created_ms);
  root_changed(bucket);
  return st;
}

s3::Result<BucketInfo> RadosObjectLayer::head_bucket(std::string_view bucket) {
  // The cache may miss, and a miss is a round trip to the cluster: never on a session
  // thread (object/cached_read.h).
  if (cached_read::refuse()) return s3::Error(s3::Code::InternalError, "would wait: rados");
  const std::string be = rados::bucket_entry(bucket);
  auto vals = cache_->read(bucket, {be});
  if (!vals) return vals.error();
  auto it = vals->find(be);
  if (it == vals->end()) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
  auto rec = rados::parse_bucket_record(bucket, it->second);
  if (!rec) return rec.error();
  return rec->info;
}

s3::Status RadosObjectLayer::delete_bucket(std::string_view bucket) {
  auto st = rados::delete_bucket(*b_, bucket);
  root_changed(bucket);
  return st;
}

s3::Result<std::vector<BucketInfo>> RadosObjectLayer::list_buckets() {
  return rados::list_buckets(*b_);
}

s3::Status RadosObjectLayer::set_bucket_owner(std::string_view bucket, std::string_view owner) {
  auto st = rados::set_bucket_owner(*b_, bucket, owner);
  root_changed(bucket);
  return st;
}

s3::Result<std::unique_ptr<ObjectWriter>> RadosObjectLayer::create_object(std::string_view bucket, std::string_view key,
                                                                          const WriteConditions& cond,
                                                                          std::string_view storage_class) {
  auto pool = class_pool(storage_class);
  if (!pool) return pool.error();
  WriteConditions c = cond;
  if (c.if_none_match_any || !c.if_match.empty()) {
    // Fail early (and learn whether the key exists, for the 409 of a key deleted
    // mid-write); the commit decides again.
    auto cur = rados::read_current(*b_, bucket, key);
    if (!cur) return cur.error();
    c.existed_at_start = cur->rec && !cur->rec->info.delete_marker;
  } else if (auto shard = b_->shard_for(bucket, key); !shard) {
    // Nothing to decide before the commit, which reads only if it must: only a missing
    // bucket is refused now (from the cached map), before any data is sent.
    return shard.error();
  }
  return rados::start_writer(*b_, **pool, std::string(bucket), std::string(key), std::move(c));
}

s3::Result<ObjectInfo> RadosObjectLayer::stat_object(std::string_view bucket, std::string_view key,
                                                     std::string_view version_id) {
  // Every read here is a round trip to the cluster: never on a session thread (object/cached_read.h).
  if (cached_read::refuse()) return s3::Error(s3::Code::InternalError, "would wait: rados");
  std::string shard;
  auto rec = rados::read_version(*b_, bucket, key, version_id, &shard);
  if (!rec) return rec.error();
  handoff_.put(*rec, shard, now_ms());  // for the open_object of this GET
  return std::move(rec->info);
}

s3::Result<std::unique_ptr<ObjectReader>> RadosObjectLayer::open_object(const ObjectInfo& info, uint64_t offset,
                                                                        uint64_t length) {
  if (offset > info.size || length > info.size - offset)
    return s3::Error(s3::Code::InvalidRange, "The requested range is not satisfiable");
  // Every read here is a round trip to the cluster: never on a session thread (object/cached_read.h).
  if (cached_read::refuse()) return s3::Error(s3::Code::InternalError, "would wait: rados");
  // The version stat_object just read: its data outlives it by the GC grace (rados/stat_handoff.h).
  if (auto kept = handoff_.find(info, now_ms())) return rados::open_reader(*b_, kept->shard, kept->rec, offset, length);
  // Else the version stat_object returned, as it stands now.
  auto cur = rados::read_current(*b_, info.bucket, info.key, false);
  if (!cur) return cur.error();
  auto v = rados::find_version(*b_, *cur, info.key, info.version_id);
  if (!v) return v.error();
  // Gone since stat_object (an unversioned overwrite replaces the null version): as a missing key.
  if (!*v)
    return info.version_id.empty() || info.version_id == "null"
               ? s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.")
               : s3::Error(s3::Code::NoSuchVersion, "The specified version does not exist.");
  const ObjectRecord& rec = (*v)->rec;
  if (rec.info.delete_marker)
    return s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.")
        .with("DeleteMarker", "true")
        .with("VersionId", rec.info.version_id);
  // Same etag and size: the same bytes (a metadata update keeps the data). A real
  // overwrite since stat_object is a 503 clients retry, as on the erasure backend.
  if (rec.info.etag != info.etag || rec.info.size != info.size)
    return s3::Error(s3::Code::ServiceUnavailable, "The object was overwritten while being opened; please retry.");
  return rados::open_reader(*b_, cur->shard, rec, offset, length);
}

s3::Result<ObjectInfo> RadosObjectLayer::update_metadata(std::string_view bucket, std::string_view key,
                                                         const ObjectMeta& meta) {
  return rados::modify_object(*b_, bucket, key, {}, [&](ObjectRecord& rec) {
    std::string storage_class = rec.info.meta.storage_class;  // the data's: it does not move
    rec.info.meta = meta;
    rec.info.meta.storage_class = storage_class;
    rec.info.mtime_ms = now_ms();
    return s3::Status{};
  });
}

s3::Result<ObjectInfo> RadosObjectLayer::set_tags(std::string_view bucket, std::string_view key,
                                                  std::string_view version_id,
                                                  const std::vector<std::pair<std::string, std::string>>& tags) {
  return rados::modify_object(*b_, bucket, key, version_id, [&](ObjectRecord& rec) {
    rec.info.meta.tags = tags;
    return s3::Status{};
  });
}

s3::Result<ObjectInfo> RadosObjectLayer::set_acl(std::string_view bucket, std::string_view key,
                                                 std::string_view version_id, std::string_view acl) {
  return rados::modify_object(*b_, bucket, key, version_id, [&](ObjectRecord& rec) {
    rec.info.meta.acl = acl;
    return s3::Status{};
  });
}

s3::Result<ObjectInfo> RadosObjectLayer::set_object_lock(std::string_view bucket, std::string_view key,
                                                         std::string_view version_id, const LockChange& change) {
  // Judged against the lock read in the same guarded op that writes the new one, so of
  // two gateways changing it (or one deleting the version) each sees the other's result.
  return rados::modify_object(*b_, bucket, key, version_id, [&](ObjectRecord& rec) -> s3::Status {
    auto lock = apply_lock_change(rec.info.meta.lock, change, now_ms());
    if (!lock) return lock.error();
    rec.info.meta.lock = *lock;
    return {};
  });
}

s3::Result<DeleteOutcome> RadosObjectLayer::delete_object(std::string_view bucket, std::string_view key,
                                                          std::string_view version_id, const IfCurrent* if_current) {
  return rados::delete_object(*b_, bucket, key, version_id, if_current);
}

s3::Result<DeleteOutcome> RadosObjectLayer::delete_object_if(std::string_view bucket, std::string_view key,
                                                             std::string_view version_id,
                                                             const DeleteConditions& cond) {
  return rados::delete_object(*b_, bucket, key, version_id, nullptr, &cond);
}

s3::Result<ListResult> RadosObjectLayer::list_objects(std::string_view bucket, const ListParams& p) {
  return rados::list_objects(*b_, bucket, p);
}

s3::Result<VersionListResult> RadosObjectLayer::list_object_versions(std::string_view bucket,
                                                                     const VersionListParams& p) {
  return rados::list_versions(*b_, bucket, p);
}

bool RadosObjectLayer::has_storage_class(std::string_view name) const {
  return b_->pool_for_class(name) != nullptr;
}

std::vector<PoolInfo> RadosObjectLayer::pools() const {
  std::vector<PoolInfo> out;
  for (const auto& p : b_->pools) {
    PoolInfo i{p->cfg.name,
               p->profile.k,
               p->profile.m,
               b_->cfg.stripe_bytes,
               p->cfg.zstd_level,
               p->cfg.price_per_tb_month,
               static_cast<size_t>(p->profile.k + p->profile.m),
               {}};
    for (const auto& [cls, pool] : b_->classes)
      if (pool == p.get()) i.storage_classes.push_back(cls);
    out.push_back(std::move(i));
  }
  return out;
}

s3::Result<uint64_t> RadosObjectLayer::transition_object(std::string_view bucket, std::string_view key,
                                                         std::string_view version_id, std::string_view storage_class,
                                                         const std::function<void(uint64_t)>& before_chunk) {
  auto pool = class_pool(storage_class);
  if (!pool) return pool.error();
  return rados::transition_version(*b_, bucket, key, version_id, storage_class, **pool, before_chunk);
}

s3::Status RadosObjectLayer::set_versioning(std::string_view bucket, Versioning state) {
  auto st = rados::set_versioning(*b_, bucket, state);
  root_changed(bucket);
  return st;
}

s3::Status RadosObjectLayer::put_bucket_config(std::string_view bucket, std::string_view name, std::string_view value) {
  auto st = rados::put_bucket_config(*b_, bucket, name, value);
  root_changed(bucket);
  return st;
}

s3::Result<std::optional<std::string>> RadosObjectLayer::get_bucket_config(std::string_view bucket,
                                                                           std::string_view name) {
  // Every read here is a round trip to the cluster: never on a session thread (object/cached_read.h).
  if (cached_read::refuse()) return s3::Error(s3::Code::InternalError, "would wait: rados");
  const std::string be = rados::bucket_entry(bucket), ce = rados::config_entry(bucket, name);
  auto vals = cache_->read(bucket, {be, ce});
  if (!vals) return vals.error();
  if (!vals->count(be)) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
  auto it = vals->find(ce);
  if (it == vals->end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

s3::Status RadosObjectLayer::delete_bucket_config(std::string_view bucket, std::string_view name) {
  auto st = rados::delete_bucket_config(*b_, bucket, name);
  root_changed(bucket);
  return st;
}

s3::Result<UploadInfo> RadosObjectLayer::create_upload(std::string_view bucket, std::string_view key,
                                                       const ObjectMeta& meta) {
  if (auto pool = class_pool(meta.storage_class); !pool) return pool.error();
  return rados::create_upload(*b_, bucket, key, meta, now_ms());
}

s3::Result<UploadInfo> RadosObjectLayer::get_upload(std::string_view bucket, std::string_view key,
                                                    std::string_view upload_id) {
  return rados::get_upload(*b_, bucket, key, upload_id);
}

s3::Result<std::unique_ptr<ObjectWriter>> RadosObjectLayer::create_part(std::string_view bucket, std::string_view key,
                                                                        std::string_view upload_id, int part_number) {
  if (part_number < 1 || part_number > kMaxPartNumber)
    return s3::Error(s3::Code::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive")
        .with("ArgumentName", "partNumber")
        .with("ArgumentValue", std::to_string(part_number));
  // Fail early; the part's commit asserts the upload is still open.
  auto u = rados::get_upload(*b_, bucket, key, upload_id);
  if (!u) return u.error();
  auto pool = class_pool(u->meta.storage_class);
  if (!pool) return pool.error();
  return rados::start_part_writer(*b_, **pool, std::string(bucket), std::string(key), std::string(upload_id),
                                  part_number);
}

s3::Result<PartList> RadosObjectLayer::list_parts(std::string_view bucket, std::string_view key,
                                                  std::string_view upload_id, int after_part, int max_parts) {
  return rados::list_parts(*b_, bucket, key, upload_id, after_part, max_parts);
}

s3::Result<ObjectInfo> RadosObjectLayer::complete_upload(std::string_view bucket, std::string_view key,
                                                         std::string_view upload_id,
                                                         const std::vector<CompletedPart>& parts,
                                                         const WriteConditions& cond, const CompleteClaims& claims) {
  return rados::complete_upload(*b_, bucket, key, upload_id, parts, cond, claims);
}

s3::Status RadosObjectLayer::abort_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) {
  return rados::abort_upload(*b_, bucket, key, upload_id);
}

s3::Result<UploadList> RadosObjectLayer::list_uploads(std::string_view bucket, const UploadListParams& p) {
  return rados::list_uploads(*b_, bucket, p);
}

s3::Result<rados::DataPool*> RadosObjectLayer::class_pool(std::string_view storage_class) const {
  if (storage_class.empty()) storage_class = "STANDARD";
  rados::DataPool* pool = b_->pool_for_class(storage_class);
  if (!pool)
    return s3::Error(s3::Code::InvalidStorageClass, "The storage class you specified is not valid")
        .with("StorageClassRequested", std::string(storage_class));
  return pool;
}

s3::Result<std::unique_ptr<ObjectLayer>> open_rados_object_layer(const RadosConfig& cfg) {
  auto bad = [](const std::string& why) { return s3::Error(s3::Code::InternalError, "rados backend: " + why); };
  if (cfg.stripe_bytes < 4096 || cfg.stripe_bytes > (64u << 20)) return bad("stripe_bytes must be 4 KiB to 64 MiB");
  if (cfg.inline_bytes > (64u << 10)) return bad("inline_bytes must be at most 64 KiB");
  if (cfg.writes_in_flight < 1 || cfg.writes_in_flight > 64) return bad("writes_in_flight must be 1 to 64");
  if (cfg.reads_ahead < 0 || cfg.reads_ahead > 64) return bad("reads_ahead must be 0 to 64");
  if (cfg.gc_grace_ms < 0 || cfg.gc_interval_ms < 0) return bad("GC times must not be negative");
  if (cfg.intent_timeout_ms <= 0) return bad("the write-intent timeout must be positive");
  if (cfg.watch_timeout_s < 10 || cfg.watch_timeout_s > 3600) return bad("watch_timeout_seconds must be 10 to 3600");
  if (cfg.op_timeout_s < 1 || cfg.op_timeout_s > 600) return bad("op_timeout_seconds must be 1 to 600");
  auto b = std::make_unique<rados::Backend>();
  b->cfg = cfg;
  auto conn = rados::Connection::open(cfg.ceph_conf, cfg.client_id, cfg.op_timeout_s);
  if (!conn) return conn.error();
  b->conn = std::move(*conn);
  auto index = b->conn->ioctx(cfg.index_pool, cfg.name_space);
  if (!index) return index.error();
  b->index = std::move(*index);
  auto index_profile = b->conn->profile(cfg.index_pool);
  if (!index_profile) return index_profile.error();
  if (index_profile->erasure)
    return bad("index pool " + cfg.index_pool + " is erasure-coded; the index needs omap, so a replicated pool");
  for (const auto& pc : cfg.pools) {
    if (pc.name.empty()) return bad("every pool needs a name");
    if (b->pool(pc.name)) return bad("pool " + pc.name + " is defined twice");
    if (pc.zstd_level < 0 || pc.zstd_level > 19) return bad("pool " + pc.name + ": zstd_level must be 0 to 19");
    if (pc.price_per_tb_month < 0) return bad("pool " + pc.name + ": price must not be negative");
    auto dp = std::make_unique<rados::DataPool>();
    dp->cfg = pc;
    auto io = b->conn->ioctx(pc.rados_pool, cfg.name_space);
    if (!io) return io.error();
    dp->io = std::move(*io);
    auto prof = b->conn->profile(pc.rados_pool);
    if (!prof) return prof.error();
    dp->profile = *prof;
    b->pools.push_back(std::move(dp));
  }
  std::set<std::string> seen;
  for (const auto& [cls, pool_name] : cfg.storage_classes) {
    if (cls == "GLACIER" || cls == "DEEP_ARCHIVE")
      return bad("storage class " + cls + " is an archive class that needs RestoreObject, which silt does not serve");
    rados::DataPool* p = b->pool(pool_name);
    if (!p) return bad("storage class " + cls + " names unknown pool '" + pool_name + "'");
    if (!seen.insert(cls).second) return bad("storage class " + cls + " is mapped twice");
    b->classes.emplace_back(cls, p);
  }
  if (!b->pool_for_class("STANDARD")) return bad("storage class STANDARD must be mapped to a pool");
  // The root object holds every bucket record; creating it is idempotent.
  librados::ObjectWriteOperation op;
  op.create(false);
  if (int r = b->index.operate(rados::kRootObject, &op); r < 0)
    return rados::rados_error("create", rados::kRootObject, r);
  return std::unique_ptr<ObjectLayer>(std::make_unique<RadosObjectLayer>(std::move(b)));
}

}  // namespace silt
