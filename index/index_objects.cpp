// Object versions: commit, lookup, metadata rewrite and delete (docs/format.md,
// "Versions"). O<bucket>\0<key> always mirrors the newest V entry of the key.
#include <leveldb/iterator.h>

#include <algorithm>

#include "index/db_util.h"
#include "index/index.h"
#include "index/keys.h"
#include "index/listing_header.h"
#include "index/write_conditions.h"

namespace silt {

using dbu::db_error;
using dbu::starts_with;

namespace {

s3::Error no_such_key() {
  return s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.");
}
s3::Error no_such_version() {
  return s3::Error(s3::Code::NoSuchVersion, "The specified version does not exist.");
}

}  // namespace

s3::Result<ObjectRecord> Index::get_object(std::string_view bucket, std::string_view key) {
  auto r = read_record(keys::object(bucket, key));
  if (!r) return r.error();
  if (!r->has_value()) {
    if (!bucket_exists(bucket)) return dbu::no_such_bucket();
    return no_such_key();
  }
  ObjectRecord rec = std::move(**r);
  // The LevelDB key is authoritative (JSON may have replaced invalid UTF-8).
  rec.info.bucket = std::string(bucket);
  rec.info.key = std::string(key);
  rec.info.is_latest = true;
  return rec;
}

s3::Result<std::optional<ObjectRecord>> Index::find_null_version(std::string_view bucket, std::string_view key,
                                                                 const std::optional<ObjectRecord>& cur) {
  if (cur && cur->info.version_id == "null") return cur;
  // Not the latest: walk the key's versions; the null one is recognised by its vkey alone.
  const std::string prefix = keys::versions_of(bucket, key);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    if (it->key().size() != prefix.size() + keys::kVersionKeyLen) continue;  // malformed
    if (!keys::is_null_version_key(dbu::view(it->key()).substr(prefix.size()))) continue;
    auto rec = decode_object_record(dbu::view(it->value()));
    if (!rec) return rec.error();
    return std::optional<ObjectRecord>(std::move(*rec));
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  return std::optional<ObjectRecord>();
}

s3::Result<std::optional<ObjectRecord>> Index::named_version(std::string_view bucket, std::string_view key,
                                                             std::string_view version_id,
                                                             const std::optional<ObjectRecord>& cur) {
  if (version_id == "null") return find_null_version(bucket, key, cur);
  if (!keys::is_version_id(version_id)) return std::optional<ObjectRecord>();
  return read_record(keys::version(bucket, key, version_id));
}

s3::Result<std::optional<ObjectRecord>> Index::newest_version_except(std::string_view bucket, std::string_view key,
                                                                     std::string_view except) {
  const std::string prefix = keys::versions_of(bucket, key);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    if (it->key().size() != prefix.size() + keys::kVersionKeyLen) continue;
    if (dbu::view(it->key()).substr(prefix.size()) == except) continue;
    auto rec = decode_object_record(dbu::view(it->value()));
    if (!rec) return rec.error();
    return std::optional<ObjectRecord>(std::move(*rec));
  }
  if (!it->status().ok()) return db_error("iterate", it->status());
  return std::optional<ObjectRecord>();
}

s3::Result<ObjectRecord> Index::get_version(std::string_view bucket, std::string_view key,
                                            std::string_view version_id) {
  auto cur = read_record(keys::object(bucket, key));
  if (!cur) return cur.error();
  auto named = named_version(bucket, key, version_id, *cur);
  if (!named) return named.error();
  std::optional<ObjectRecord> found = std::move(*named);
  if (!found) {
    if (!bucket_exists(bucket)) return dbu::no_such_bucket();
    return no_such_version();
  }
  found->info.bucket = std::string(bucket);
  found->info.key = std::string(key);
  found->info.is_latest = cur->has_value() && (*cur)->version_key == found->version_key;
  return std::move(*found);
}

s3::Status Index::commit_locked(ObjectRecord& rec, const BucketInfo& bucket, const WriteConditions& cond,
                                leveldb::WriteBatch& b, std::vector<ObjectRecord>& replaced) {
  const std::string okey = keys::object(rec.info.bucket, rec.info.key);
  auto cur = read_record(okey);
  if (!cur) return cur.error();
  if (auto s = check_write_conditions(*cur, cond); !s) return s;
  // Strictly newer than the current newest version, so it sorts first even when
  // the clock stands still or steps back. A provisional vkey the writer already
  // published on the drives is kept while it still qualifies.
  const uint64_t newest = cur->has_value() ? keys::version_key_time((*cur)->version_key) : 0;
  const bool null_version = bucket.versioning != Versioning::Enabled;
  const bool keep = keys::is_version_id(rec.version_key) &&
                    keys::is_null_version_key(rec.version_key) == null_version &&
                    keys::version_key_time(rec.version_key) > newest;
  if (!keep)
    rec.version_key = keys::version_key_after(cur->has_value() ? (*cur)->version_key : "", dbu::now_us(), null_version);
  rec.info.version_id = null_version ? "null" : rec.version_key;
  rec.info.is_latest = true;
  if (null_version) {
    auto old = find_null_version(rec.info.bucket, rec.info.key, *cur);
    if (!old) return old.error();
    if (old->has_value()) {
      // Overwriting the null version in place removes it: a locked one stays.
      if (auto s = check_version_removable(**old, static_cast<int64_t>(dbu::now_us() / 1000), false); !s) return s;
      b.Delete(keys::version(rec.info.bucket, rec.info.key, (*old)->version_key));
      replaced.push_back(std::move(**old));
    }
  }
  const std::string json = encode_index_record(rec);
  b.Put(keys::version(rec.info.bucket, rec.info.key, rec.version_key), json);
  b.Put(okey, json);
  return {};
}

s3::Result<std::string> Index::provisional_version_key(std::string_view bucket, std::string_view key) {
  auto b = read_bucket(bucket);
  if (!b) return dbu::no_such_bucket();
  auto cur = read_record(keys::object(bucket, key));
  if (!cur) return cur.error();
  return keys::version_key_after(cur->has_value() ? (*cur)->version_key : "", dbu::now_us(),
                                 b->versioning != Versioning::Enabled);
}

s3::Result<Index::Committed> Index::commit_object(ObjectRecord rec, const WriteConditions& cond) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(rec.info.bucket, rec.info.key));
  auto bucket = read_bucket(rec.info.bucket);
  if (!bucket) return dbu::no_such_bucket();
  Committed out;
  leveldb::WriteBatch b;
  if (auto s = commit_locked(rec, *bucket, cond, b, out.replaced); !s) return s.error();
  if (auto s = write(b); !s) return s.error();
  out.rec = std::move(rec);
  return out;
}

s3::Result<std::optional<ObjectRecord>> Index::put_object(const ObjectRecord& rec) {
  auto c = commit_object(rec);
  if (!c) return c.error();
  if (c->replaced.empty()) return std::optional<ObjectRecord>();
  return std::optional<ObjectRecord>(std::move(c->replaced.front()));
}

s3::Status Index::replace_object_if(const ObjectRecord& rec, const std::string& expected_data_id,
                                    ObjectRecord* written) {
  return replace_if(
      rec, expected_data_id, [&](const ObjectRecord&) -> s3::Result<ObjectRecord> { return rec; }, written);
}

s3::Status Index::replace_layout_if(const ObjectRecord& moved, const std::string& expected_data_id) {
  return replace_if(moved, expected_data_id, [&](const ObjectRecord& target) -> s3::Result<ObjectRecord> {
    ObjectRecord out = target;
    out.layout = moved.layout;
    out.parts = moved.parts;
    out.info.meta.storage_class = moved.info.meta.storage_class;
    return out;
  });
}

s3::Status Index::move_segments_if(const ObjectRecord& seen, const std::vector<std::pair<size_t, SegmentRef>>& moves) {
  return replace_if(seen, seen.layout.data_id, [&](const ObjectRecord& target) -> s3::Result<ObjectRecord> {
    ObjectRecord out = target;
    for (const auto& [shard, to] : moves) {
      // Another heal or compaction moved this shard meanwhile (or the record
      // names no segments any more): theirs stands.
      if (shard >= out.layout.segments.size() || shard >= seen.layout.segments.size() ||
          out.layout.segments[shard] != seen.layout.segments[shard])
        return s3::Error(s3::Code::NoSuchKey, "The shard was moved meanwhile.");
      out.layout.segments[shard] = to;
    }
    return out;
  });
}

s3::Status Index::replace_if(const ObjectRecord& rec, const std::string& expected_data_id,
                             const std::function<s3::Result<ObjectRecord>(const ObjectRecord&)>& change,
                             ObjectRecord* written) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(rec.info.bucket, rec.info.key));
  const std::string okey = keys::object(rec.info.bucket, rec.info.key);
  auto cur = read_record(okey);
  if (!cur) return cur.error();
  std::optional<ObjectRecord> target = *cur;
  if (!rec.version_key.empty() && !(cur->has_value() && (*cur)->version_key == rec.version_key)) {
    auto v = read_record(keys::version(rec.info.bucket, rec.info.key, rec.version_key));
    if (!v) return v.error();
    target = std::move(*v);
  }
  if (!target || target->info.delete_marker || target->primary_data_id() != expected_data_id ||
      (!rec.version_key.empty() && target->version_key != rec.version_key))
    return s3::Error(s3::Code::NoSuchKey, "The object was replaced or deleted meanwhile.");
  auto changed = change(*target);
  if (!changed) return changed.error();
  ObjectRecord out = std::move(*changed);
  // A metadata or tag rewrite read the record before a lock change may have landed.
  out.info.meta.lock = target->info.meta.lock;
  out.version_key = target->version_key;
  out.info.version_id = target->info.version_id;
  const std::string json = encode_index_record(out);
  leveldb::WriteBatch b;
  if (!out.version_key.empty()) b.Put(keys::version(rec.info.bucket, rec.info.key, out.version_key), json);
  if (cur->has_value() && (*cur)->version_key == out.version_key) b.Put(okey, json);
  if (auto s = write(b); !s) return s;
  if (written) *written = std::move(out);
  return {};
}

s3::Result<ObjectRecord> Index::set_lock(std::string_view bucket, std::string_view key, std::string_view version_id,
                                         const LockChange& change,
                                         const std::function<void(const ObjectRecord&)>& before_write) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(bucket, key));
  const std::string okey = keys::object(bucket, key);
  auto cur = read_record(okey);
  if (!cur) return cur.error();
  std::optional<ObjectRecord> target = *cur;
  if (!version_id.empty()) {
    auto named = named_version(bucket, key, version_id, *cur);
    if (!named) return named.error();
    target = std::move(*named);
  }
  if (!target) {
    if (!bucket_exists(bucket)) return dbu::no_such_bucket();
    return version_id.empty() ? no_such_key() : no_such_version();
  }
  if (target->info.delete_marker) {
    if (version_id.empty()) return no_such_key();
    return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
  }
  auto lock = apply_lock_change(target->info.meta.lock, change, static_cast<int64_t>(dbu::now_us() / 1000));
  if (!lock) return lock.error();
  target->info.meta.lock = *lock;
  target->info.bucket = std::string(bucket);
  target->info.key = std::string(key);
  const bool latest = cur->has_value() && (*cur)->version_key == target->version_key;
  target->info.is_latest = latest;
  if (before_write) before_write(*target);
  const std::string json = encode_index_record(*target);
  leveldb::WriteBatch b;
  b.Put(keys::version(bucket, key, target->version_key), json);
  if (latest) b.Put(okey, json);
  if (auto s = write(b); !s) return s.error();
  return std::move(*target);
}

s3::Result<Index::Deleted> Index::delete_object(std::string_view bucket, std::string_view key,
                                                std::string_view version_id, const IfCurrent* if_current,
                                                const DeleteConditions* cond) {
  std::shared_lock block(bucket_mu_);
  std::lock_guard klock(key_lock(bucket, key));
  auto binfo = read_bucket(bucket);
  if (!binfo) return dbu::no_such_bucket();
  const std::string okey = keys::object(bucket, key);
  auto cur = read_record(okey);
  if (!cur) return cur.error();
  Deleted out;
  leveldb::WriteBatch b;
  if (if_current) {
    const ObjectRecord* c = cur->has_value() ? &**cur : nullptr;
    if (!version_id.empty() || !c || c->info.delete_marker || c->info.version_id != if_current->version_id ||
        c->info.etag != if_current->etag || c->info.mtime_ms != if_current->mtime_ms)
      return s3::Error(s3::Code::PreconditionFailed, "The object changed since the delete was decided.");
  }
  if (cond)
    if (auto s = check_delete_conditions(*cur, *cond); !s) return s.error();

  const int64_t now_ms = static_cast<int64_t>(dbu::now_us() / 1000);
  const bool bypass = cond && cond->bypass_governance;
  if (version_id.empty() && binfo->versioning == Versioning::Unversioned) {
    if (!cur->has_value()) return out;
    if (auto s = check_version_removable(**cur, now_ms, bypass); !s) return s.error();
    b.Delete(okey);
    if (!(*cur)->version_key.empty()) b.Delete(keys::version(bucket, key, (*cur)->version_key));
    if (auto s = write(b); !s) return s.error();
    out.removed.push_back(std::move(**cur));
    return out;
  }

  if (version_id.empty()) {
    // Versioned bucket: a delete marker becomes the newest version.
    ObjectRecord marker;
    marker.info.bucket = std::string(bucket);
    marker.info.key = std::string(key);
    marker.info.delete_marker = true;
    marker.info.mtime_ms = static_cast<int64_t>(dbu::now_us() / 1000);
    marker.info.meta.storage_class.clear();
    if (mirror_) marker.layout.data_id = mirror_->new_data_id();
    if (auto s = commit_locked(marker, *binfo, {}, b, out.removed); !s) return s.error();
    if (mirror_)
      if (auto s = mirror_->before_delete_marker(marker); !s) return s.error();
    if (auto s = write(b); !s) return s.error();
    out.outcome = {true, marker.info.version_id};
    return out;
  }

  // One version, for good.
  auto named = named_version(bucket, key, version_id, *cur);
  if (!named) return named.error();
  std::optional<ObjectRecord> target = std::move(*named);
  out.outcome.version_id = std::string(version_id);
  if (!target) return out;  // like a missing key: nothing to do
  if (auto s = check_version_removable(*target, now_ms, bypass); !s) return s.error();
  out.outcome.delete_marker = target->info.delete_marker;
  b.Delete(keys::version(bucket, key, target->version_key));
  if (cur->has_value() && (*cur)->version_key == target->version_key) {
    auto next = newest_version_except(bucket, key, target->version_key);
    if (!next) return next.error();
    if (next->has_value())
      b.Put(okey, encode_index_record(**next));
    else
      b.Delete(okey);
  }
  if (auto s = write(b); !s) return s.error();
  out.removed.push_back(std::move(*target));
  return out;
}

}  // namespace silt
