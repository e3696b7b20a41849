#include "rados/objects.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "index/keys.h"
#include "index/listing_header.h"
#include "index/write_conditions.h"
#include "rados/gc.h"
#include "util/time.h"

namespace silt::rados {

namespace {

s3::Error no_such_key() {
  return s3::Error(s3::Code::NoSuchKey, "The specified key does not exist.");
}
s3::Error no_such_version() {
  return s3::Error(s3::Code::NoSuchVersion, "The specified version does not exist.");
}

uint64_t now_us() {
  return static_cast<uint64_t>(now_ms()) * 1000;
}

// The assertions every mutation of one key carries: the shard exists and is live,
// and the key's O entry is still what c read.
void guard(librados::ObjectWriteOperation& op, const Current& c, std::string_view key, int* rv) {
  op.assert_exists();
  op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
  op.omap_cmp({{object_entry(key), {to_bl(c.raw), LIBRADOS_CMPXATTR_OP_EQ}}}, rv);
}

// What to do after a guarded op returned r.
enum class Next { Done, Retry, Fail };
Next after_op(Backend& b, std::string_view bucket, int r, int attempt) {
  if (r == 0) return Next::Done;
  if (r == -ENOENT) {
    b.forget_bucket(bucket);  // the shard is gone: the bucket was deleted (maybe re-created)
    return Next::Retry;
  }
  if (r == -ECANCELED) {
    backoff(attempt);
    return Next::Retry;
  }
  return Next::Fail;
}

// Entries that go with the version rec leaves the index: its V entry, its inlined
// bytes; and its pooled data queued for GC.
void drop_version(librados::ObjectWriteOperation& op, const Backend& b, const ObjectRecord& old,
                  std::set<std::string>& rm) {
  rm.insert(version_entry(old.info.key, old.version_key));
  if (is_inline(old)) rm.insert(inline_entry(old.layout.data_id));
  std::map<std::string, bufferlist> queued;
  for (auto& [name, value] : gc_items(old, now_ms() + b.cfg.gc_grace_ms)) queued.emplace(name, to_bl(value));
  if (!queued.empty()) op.omap_set(queued);
}

}  // namespace

s3::Result<Current> read_current(Backend& b, std::string_view bucket, std::string_view key) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto shard = b.bucket_shard(bucket);
    if (!shard) return shard.error();
    librados::ObjectReadOperation op;
    bufferlist state;
    std::map<std::string, bufferlist> vals;
    int rv_state = 0, rv_vals = 0;
    const std::string entry = object_entry(key);
    op.getxattr(kStateXattr, &state, &rv_state);
    op.omap_get_vals_by_keys({entry}, &vals, &rv_vals);
    int r = b.index.operate(*shard, &op, nullptr);
    if (r == -ENOENT) {
      b.forget_bucket(bucket);
      continue;
    }
    if (r < 0) return rados_error("read", *shard, r);
    Current c;
    c.shard = *shard;
    c.live = state.to_str() == kLive;
    if (auto it = vals.find(entry); it != vals.end()) {
      c.raw = it->second.to_str();
      auto rec = decode_object_record(c.raw);
      if (!rec)
        return s3::Error(s3::Code::InternalError, "index record of " + std::string(key) + ": " + rec.error().message);
      rec->info.bucket = std::string(bucket);
      rec->info.key = std::string(key);
      rec->info.is_latest = true;
      c.rec = std::move(*rec);
    }
    return c;
  }
  return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
}

s3::Result<ObjectRecord> commit_object(Backend& b, ObjectRecord rec, const WriteConditions& cond,
                                       const std::string* inline_data, const CommitExtra& extra) {
  const std::string bucket = rec.info.bucket, key = rec.info.key;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = read_current(b, bucket, key);
    if (!cur) return cur.error();
    if (!cur->live) {  // a DeleteBucket is deciding: it either gives up or the bucket goes
      backoff(attempt);
      continue;
    }
    if (auto s = check_write_conditions(cur->rec, cond); !s) return s.error();
    // Strictly newer than the version replaced, so a version sorts first even when
    // the clock stands still or steps back.
    const uint64_t newest = cur->rec ? keys::version_key_time(cur->rec->version_key) : 0;
    rec.version_key = keys::make_version_key(std::max(now_us(), newest + 1), /*null_version=*/true);
    rec.info.version_id = "null";
    rec.info.is_latest = true;
    const std::string value = encode_index_record(rec);

    librados::ObjectWriteOperation op;
    int rv = 0;
    guard(op, *cur, key, &rv);
    std::set<std::string> rm;
    if (cur->rec) drop_version(op, b, *cur->rec, rm);
    std::map<std::string, bufferlist> set{{object_entry(key), to_bl(value)},
                                          {version_entry(key, rec.version_key), to_bl(value)}};
    if (inline_data) {
      // "" would read as absent; a zero-byte object needs no D entry at all.
      if (!inline_data->empty()) set.emplace(inline_entry(rec.layout.data_id), to_bl(*inline_data));
    } else if (!rec.layout.data_id.empty()) {
      rm.insert(intent_entry(rec.layout.data_id));
    }
    if (extra)
      if (auto s = extra(attempt, op, set, rm); !s) return s.error();
    for (const auto& k : set) rm.erase(k.first);
    if (!rm.empty()) op.omap_rm_keys(rm);
    op.omap_set(set);
    const int r = b.index.operate(cur->shard, &op);
    switch (after_op(b, bucket, r, attempt)) {
      case Next::Done: return rec;
      case Next::Retry: continue;
      case Next::Fail: return rados_error("commit object to", cur->shard, r);
    }
  }
  return contention("PutObject");
}

s3::Result<ObjectRecord> read_version(Backend& b, std::string_view bucket, std::string_view key,
                                      std::string_view version_id) {
  auto cur = read_current(b, bucket, key);
  if (!cur) return cur.error();
  const bool latest = version_id.empty();
  if (!cur->rec) return latest ? no_such_key() : no_such_version();
  if (!latest && cur->rec->info.version_id != version_id) return no_such_version();
  return std::move(*cur->rec);
}

s3::Result<ObjectInfo> modify_object(Backend& b, std::string_view bucket, std::string_view key,
                                     std::string_view version_id, const std::function<void(ObjectRecord&)>& change) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = read_current(b, bucket, key);
    if (!cur) return cur.error();
    if (!cur->rec) return version_id.empty() ? no_such_key() : no_such_version();
    if (!version_id.empty() && cur->rec->info.version_id != version_id) return no_such_version();
    if (!cur->live) {
      backoff(attempt);
      continue;
    }
    ObjectRecord rec = *cur->rec;
    change(rec);
    const std::string value = encode_index_record(rec);
    librados::ObjectWriteOperation op;
    int rv = 0;
    guard(op, *cur, key, &rv);
    op.omap_set({{object_entry(key), to_bl(value)}, {version_entry(key, rec.version_key), to_bl(value)}});
    const int r = b.index.operate(cur->shard, &op);
    switch (after_op(b, bucket, r, attempt)) {
      case Next::Done: return rec.info;
      case Next::Retry: continue;
      case Next::Fail: return rados_error("update object in", cur->shard, r);
    }
  }
  return contention("updating an object");
}

s3::Result<DeleteOutcome> delete_object(Backend& b, std::string_view bucket, std::string_view key,
                                        std::string_view version_id, const IfCurrent* if_current,
                                        const DeleteConditions* cond) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = read_current(b, bucket, key);
    if (!cur) return cur.error();
    // The op below is guarded on this very entry, so the verdict holds at the commit.
    if (cond)
      if (auto st = check_delete_conditions(cur->rec, *cond); !st) return st.error();
    const ObjectRecord* c = cur->rec ? &*cur->rec : nullptr;
    if (if_current && (!version_id.empty() || !c || c->info.version_id != if_current->version_id ||
                       c->info.etag != if_current->etag || c->info.mtime_ms != if_current->mtime_ms))
      return s3::Error(s3::Code::PreconditionFailed, "The object changed since the delete was decided.");
    DeleteOutcome out;
    out.version_id = std::string(version_id);
    // Like a missing key: a version that is not there is nothing to delete.
    if (!c || (!version_id.empty() && c->info.version_id != version_id)) return out;
    if (!cur->live) {
      backoff(attempt);
      continue;
    }
    librados::ObjectWriteOperation op;
    int rv = 0;
    guard(op, *cur, key, &rv);
    std::set<std::string> rm{object_entry(key)};
    drop_version(op, b, *c, rm);
    op.omap_rm_keys(rm);
    const int r = b.index.operate(cur->shard, &op);
    switch (after_op(b, bucket, r, attempt)) {
      case Next::Done: return out;
      case Next::Retry: continue;
      case Next::Fail: return rados_error("delete object in", cur->shard, r);
    }
  }
  return contention("DeleteObject");
}

}  // namespace silt::rados
