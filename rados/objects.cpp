#include "rados/objects.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "index/keys.h"
#include "index/listing_header.h"
#include "index/write_conditions.h"
#include "rados/gc.h"
#include "rados/list_pack.h"
#include "rados/record_copy.h"
#include "rados/split.h"
#include "rados/versioning.h"
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

// How many of a key's V entries read_current fetches with its O entry: enough for the
// next newest after the latest and, mostly, the null version; more are paged.
constexpr unsigned kVersionPeek = 8;

s3::Error delete_marker_error(s3::Code code, const ObjectRecord& rec) {
  s3::Error e(code, code == s3::Code::NoSuchKey ? "The specified key does not exist."
                                                : "The specified method is not allowed against this resource.");
  e.with("DeleteMarker", "true").with("VersionId", rec.info.version_id);
  return e;
}

// "V<ekey>\0\1": every V entry of key starts with it, followed by the vkey.
std::string versions_scope(std::string_view key) {
  return version_entry(key, "");
}

// The assertions every mutation of one key carries: the shard exists and is live, its
// versioning state, listing epoch (the deltas finish_op names) and the key's O entry are
// still what c read, and so are the V
// entries in `also` (name -> bytes read) the op rewrites or removes.
// The shard's part (assert_exists and the cmpxattrs) only with_shard: a batched commit's
// op carries it once for all its commits (rados/commit_batch.h).
void guard(librados::ObjectWriteOperation& op, const Current& c, std::string_view key, int* rv,
           const std::map<std::string, std::string>& also = {}, bool with_shard = true) {
  if (with_shard) {
    op.assert_exists();
    op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(c.gen));
    op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
    op.cmpxattr(kVersioningXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(c.versioning_raw));
    op.cmpxattr(kListEpochXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(epoch_raw(c.list.current)));
  }
  std::map<std::string, std::pair<bufferlist, int>> cmp{{object_entry(key), {to_bl(c.raw), LIBRADOS_CMPXATTR_OP_EQ}}};
  for (const auto& [name, raw] : also) cmp.emplace(name, std::make_pair(to_bl(raw), LIBRADOS_CMPXATTR_OP_EQ));
  op.omap_cmp(cmp, rv);
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

s3::Result<bool> scan_versions(Backend& b, const Current& cur, std::string_view key,
                               const std::function<bool(const std::string&, const std::string&)>& visit) {
  for (const auto& [vkey, value] : cur.versions)
    if (visit(vkey, value)) return true;
  if (!cur.more_versions) return false;
  const std::string scope = versions_scope(key);
  std::string after = cur.versions.empty() ? scope : scope + cur.versions.back().first;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    int rv = 0;
    librados::ObjectReadOperation op;
    op.omap_get_vals2(after, scope, 1000, &page, &more, &rv);
    if (int r = b.index.operate(cur.shard, &op, nullptr); r < 0) return rados_error("list versions in", cur.shard, r);
    if (page.empty()) break;
    for (const auto& [name, value] : page)
      if (visit(name.substr(scope.size()), value.to_str())) return true;
    after = page.rbegin()->first;
  }
  return false;
}

namespace {

s3::Result<StoredVersion> decode_version(const Current& cur, std::string_view key, std::string raw) {
  auto rec = decode_object_record(raw);
  if (!rec)
    return s3::Error(s3::Code::InternalError, "index version of " + std::string(key) + ": " + rec.error().message);
  rec->info.key = std::string(key);
  if (cur.rec) rec->info.bucket = cur.rec->info.bucket;
  rec->info.is_latest = cur.rec && cur.rec->version_key == rec->version_key;
  return StoredVersion{std::move(*rec), std::move(raw)};
}

// The newest version of the key other than the one of vkey `except`.
s3::Result<std::optional<StoredVersion>> newest_except(Backend& b, const Current& cur, std::string_view key,
                                                       std::string_view except) {
  std::optional<std::string> found;
  auto hit = scan_versions(b, cur, key, [&](const std::string& vkey, const std::string& value) {
    if (vkey.size() != keys::kVersionKeyLen || vkey == except) return false;
    found = value;
    return true;
  });
  if (!hit) return hit.error();
  if (!found) return std::optional<StoredVersion>();
  auto v = decode_version(cur, key, std::move(*found));
  if (!v) return v.error();
  return std::optional<StoredVersion>(std::move(*v));
}

// Fills op (its guard included) and set/rm to make rec, its data stored or in
// inline_data, the key's newest version over what cur shows: version id and vkey by
// the bucket's versioning state; the null version it replaces dropped. with_shard: as
// for guard.
s3::Status prepare_commit(Backend& b, const Current& cur, ObjectRecord& rec, const std::string* inline_data,
                          librados::ObjectWriteOperation& op, int* rv, std::map<std::string, bufferlist>& set,
                          std::set<std::string>& rm, bool with_shard = true) {
  const std::string& key = rec.info.key;
  const bool null_version = cur.versioning != Versioning::Enabled;
  rec.version_key = keys::version_key_after(cur.rec ? cur.rec->version_key : "", now_us(), null_version);
  rec.info.version_id = null_version ? "null" : rec.version_key;
  rec.info.is_latest = true;
  std::map<std::string, std::string> also;
  if (null_version) {
    auto old = find_version(b, cur, key, "null");
    if (!old) return old.error();
    if (*old) {
      // Overwriting the null version in place removes it: a locked one stays.
      if (auto s = check_version_removable((*old)->rec, now_ms(), false); !s) return s;
      drop_version(op, b, (*old)->rec, rm);
      if (!(*old)->rec.info.is_latest) also.emplace(version_entry(key, (*old)->rec.version_key), (*old)->raw);
    }
  }
  guard(op, cur, key, rv, also, with_shard);
  const std::string value = encode_index_record(rec);
  set.emplace(object_entry(key), to_bl(value));
  set.emplace(version_entry(key, rec.version_key), to_bl(value));
  if (inline_data) {
    // "" would read as absent; a zero-byte object needs no D entry at all.
    if (!inline_data->empty()) set.emplace(inline_entry(rec.layout.data_id), to_bl(*inline_data));
  } else if (!rec.layout.data_id.empty() && !rec.info.delete_marker) {
    rm.insert(intent_entry(rec.layout.data_id));
  }
  return {};
}

// Applies set and rm to op: removals first, and never of an entry the op sets; in a
// packed bucket with the listing deltas of the O entries they change (rados/list_pack.h).
void finish_op(librados::ObjectWriteOperation& op, const Current& cur, std::map<std::string, bufferlist>& set,
               std::set<std::string>& rm) {
  if (cur.packed) add_list_deltas(set, rm, cur.list.current);
  for (const auto& k : set) rm.erase(k.first);
  if (!rm.empty()) op.omap_rm_keys(rm);
  if (!set.empty()) op.omap_set(set);
}

// The first attempt of a commit without reading the shard first, for a key expected to
// be new (most PUTs): the op asserts what the read would have had to show for rec to be
// the key's first version, its O entry absent (omap_cmp with ""), the shard live under
// the cached map's generation, and its versioning state and listing epoch the ones this
// gateway last saw there (Backend::shard_hint). Any of them wrong (the key exists, a split, a state
// change, a DeleteBucket deciding) fails the op with -ECANCELED and nothing is applied;
// so does a lost race with another writer of the key. The op may carry other new keys'
// commits to the same shard (rados/commit_batch.h): one failing assertion fails all.
// Not sent (no hint yet, or cond needs an existing key: If-Match, a 409 to give), or
// sent and lost (the caller reads and decides as usual, its next attempt numbered 1:
// extra was called with 0), or committed to `committed`.
struct Blind {
  bool sent = false;
  std::optional<ShardRef> committed;
};
s3::Result<Blind> commit_blind(Backend& b, ObjectRecord& rec, const WriteConditions& cond,
                               const std::string* inline_data, const CommitExtra& extra) {
  if (!check_write_conditions(std::nullopt, cond)) return Blind{};
  auto map = b.shard_map(rec.info.bucket);
  if (!map) return Blind{};  // the read path gives the error
  const ShardRef* shard = &(*map)->ranges[(*map)->index_of(rec.info.key)].shard;
  auto hint = b.shard_hint(shard->oid);
  if (!hint) return Blind{};
  auto v = decode_versioning(hint->versioning_raw);
  if (!v) return Blind{};
  Current absent;
  absent.shard = shard->oid;
  absent.gen = shard->gen;
  absent.packed = (*map)->packed;
  absent.versioning_raw = hint->versioning_raw;
  absent.versioning = v->state;
  absent.list = hint->list;
  int rv = 0;  // filled when the shared op returns: commit() blocks until then
  auto fill = [&](librados::ObjectWriteOperation& op, std::map<std::string, bufferlist>& set,
                  std::set<std::string>& rm) -> s3::Status {
    std::map<std::string, bufferlist> mine_set;
    std::set<std::string> mine_rm;
    if (auto s = prepare_commit(b, absent, rec, inline_data, op, &rv, mine_set, mine_rm, false); !s) return s;
    if (extra)
      if (auto s = extra(0, op, mine_set, mine_rm); !s) return s;
    if (absent.packed) add_list_deltas(mine_set, mine_rm, absent.list.current);
    for (const auto& k : mine_set) mine_rm.erase(k.first);
    set.merge(mine_set);
    rm.merge(mine_rm);
    return {};
  };
  auto r = b.batcher.commit(b.index, *shard, hint->versioning_raw, hint->list.current, rec.info.key, fill);
  if (!r) return r.error();
  if (*r == -ENOENT) b.forget_bucket(rec.info.bucket);
  if (*r < 0) return Blind{true, std::nullopt};  // -ECANCELED mostly: the read path finds out why
  return Blind{true, *shard};
}

}  // namespace

s3::Result<Current> read_current(Backend& b, std::string_view bucket, std::string_view key, bool with_versions) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto map = b.shard_map(bucket);
    if (!map) return map.error();
    const ShardRef* shard = &(*map)->ranges[(*map)->index_of(key)].shard;
    librados::ObjectReadOperation op;
    std::map<std::string, bufferlist> attrs, vals, versions;
    int rv_attrs = 0, rv_vals = 0, rv_versions = 0;
    const std::string entry = object_entry(key), scope = versions_scope(key);
    op.getxattrs(&attrs, &rv_attrs);
    op.omap_get_vals_by_keys({entry}, &vals, &rv_vals);
    Current c;
    if (with_versions)
      op.omap_get_vals2("", scope, kVersionPeek, &versions, &c.more_versions, &rv_versions);
    else
      c.more_versions = true;
    int r = b.index.operate(shard->oid, &op, nullptr);
    if (r == -ENOENT) {
      b.forget_bucket(bucket);
      if (attempt > 0) backoff(attempt);
      continue;
    }
    if (r < 0) return rados_error("read", shard->oid, r);
    auto attr = [&](const char* name) {
      auto it = attrs.find(name);
      return it == attrs.end() ? std::string() : it->second.to_str();
    };
    c.gen = attr(kGenXattr);
    if (c.gen != shard->gen) {  // split since this gateway read the map, or splitting
      if (attr(kStateXattr) == kSplitting)
        await_live(b, bucket, shard->oid, attr(kSplitXattr), attempt);
      else
        backoff(attempt);
      b.forget_bucket(bucket);
      continue;
    }
    c.shard = shard->oid;
    c.packed = (*map)->packed;
    c.live = attr(kStateXattr) == kLive;
    if (attr(kStateXattr) == kSplitting) c.split = attr(kSplitXattr);
    c.versioning_raw = attr(kVersioningXattr);
    auto v = decode_versioning(c.versioning_raw);
    if (!v) return s3::Error(s3::Code::InternalError, "rados: corrupt versioning state in " + shard->oid);
    c.versioning = v->state;
    auto epochs = parse_list_epochs(attrs);
    if (!epochs) return corrupt_epochs(shard->oid);
    c.list = *epochs;
    for (auto& [name, value] : versions) c.versions.emplace_back(name.substr(scope.size()), value.to_str());
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
  return contention("reading the index");
}

s3::Result<std::optional<StoredVersion>> find_version(Backend& b, const Current& cur, std::string_view key,
                                                      std::string_view version_id) {
  using Found = std::optional<StoredVersion>;
  if (!cur.rec) return Found();  // no O entry: the key has no version at all
  if (version_id.empty() || cur.rec->info.version_id == version_id) return Found(StoredVersion{*cur.rec, cur.raw});
  std::optional<std::string> raw;
  if (version_id == "null") {
    auto hit = scan_versions(b, cur, key, [&](const std::string& vkey, const std::string& value) {
      if (!keys::is_null_version_key(vkey)) return false;
      raw = value;
      return true;
    });
    if (!hit) return hit.error();
  } else if (keys::is_version_id(version_id)) {
    const std::string entry = version_entry(key, version_id);
    librados::ObjectReadOperation op;
    std::map<std::string, bufferlist> vals;
    int rv = 0;
    op.omap_get_vals_by_keys({entry}, &vals, &rv);
    if (int r = b.index.operate(cur.shard, &op, nullptr); r < 0) return rados_error("read", cur.shard, r);
    if (auto it = vals.find(entry); it != vals.end()) raw = it->second.to_str();
  }
  if (!raw) return Found();
  auto v = decode_version(cur, key, std::move(*raw));
  if (!v) return v.error();
  return Found(std::move(*v));
}

s3::Result<ObjectRecord> commit_object(Backend& b, ObjectRecord rec, const WriteConditions& cond,
                                       const std::string* inline_data, const CommitExtra& extra) {
  const std::string bucket = rec.info.bucket, key = rec.info.key;
  auto blind = commit_blind(b, rec, cond, inline_data, extra);
  if (!blind) return blind.error();
  if (blind->committed) {
    copy_record_to_data(b, bucket, key, rec);
    note_commit(b, bucket, *blind->committed);
    return rec;
  }
  for (int attempt = blind->sent ? 1 : 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = read_current(b, bucket, key);
    if (!cur) return cur.error();
    b.note_shard(cur->shard, {cur->versioning_raw, cur->list});
    if (!cur->live) {  // a DeleteBucket is deciding, or the shard splits: wait for either
      await_live(b, bucket, cur->shard, cur->split, attempt);
      continue;
    }
    if (auto s = check_write_conditions(cur->rec, cond); !s) return s.error();
    librados::ObjectWriteOperation op;
    int rv = 0;
    std::map<std::string, bufferlist> set;
    std::set<std::string> rm;
    if (auto s = prepare_commit(b, *cur, rec, inline_data, op, &rv, set, rm); !s) return s.error();
    if (extra)
      if (auto s = extra(attempt, op, set, rm); !s) return s.error();
    finish_op(op, *cur, set, rm);
    const int r = b.index.operate(cur->shard, &op);
    switch (after_op(b, bucket, r, attempt)) {
      case Next::Done:
        copy_record_to_data(b, bucket, key, rec);
        note_commit(b, bucket, ShardRef{cur->shard, cur->gen});
        return rec;
      case Next::Retry: continue;
      case Next::Fail: return rados_error("commit object to", cur->shard, r);
    }
  }
  return contention("PutObject");
}

s3::Result<ObjectRecord> read_version(Backend& b, std::string_view bucket, std::string_view key,
                                      std::string_view version_id, std::string* shard) {
  // Without the V peek: only a non-latest null version needs V entries (paged then).
  auto cur = read_current(b, bucket, key, false);
  if (!cur) return cur.error();
  if (shard) *shard = cur->shard;
  auto v = find_version(b, *cur, key, version_id);
  if (!v) return v.error();
  if (!*v) return version_id.empty() ? no_such_key() : no_such_version();
  if ((*v)->rec.info.delete_marker)
    return delete_marker_error(version_id.empty() ? s3::Code::NoSuchKey : s3::Code::MethodNotAllowed, (*v)->rec);
  return std::move((*v)->rec);
}

s3::Result<ObjectInfo> modify_object(Backend& b, std::string_view bucket, std::string_view key,
                                     std::string_view version_id,
                                     const std::function<s3::Status(ObjectRecord&)>& change, const CommitExtra& extra) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = read_current(b, bucket, key);
    if (!cur) return cur.error();
    auto v = find_version(b, *cur, key, version_id);
    if (!v) return v.error();
    if (!*v) return version_id.empty() ? no_such_key() : no_such_version();
    if ((*v)->rec.info.delete_marker)
      return delete_marker_error(version_id.empty() ? s3::Code::NoSuchKey : s3::Code::MethodNotAllowed, (*v)->rec);
    if (!cur->live) {
      await_live(b, bucket, cur->shard, cur->split, attempt);
      continue;
    }
    ObjectRecord rec = std::move((*v)->rec);
    const bool latest = rec.info.is_latest;
    if (auto s = change(rec); !s) return s.error();
    const std::string value = encode_index_record(rec);
    const std::string ventry = version_entry(key, rec.version_key);
    librados::ObjectWriteOperation op;
    int rv = 0;
    std::map<std::string, std::string> also;
    if (!latest) also.emplace(ventry, (*v)->raw);
    guard(op, *cur, key, &rv, also);
    std::map<std::string, bufferlist> set{{ventry, to_bl(value)}};
    if (latest) set.emplace(object_entry(key), to_bl(value));
    std::set<std::string> rm;
    if (extra)
      if (auto s = extra(attempt, op, set, rm); !s) return s.error();
    finish_op(op, *cur, set, rm);
    const int r = b.index.operate(cur->shard, &op);
    switch (after_op(b, bucket, r, attempt)) {
      case Next::Done: copy_record_to_data(b, bucket, key, rec); return rec.info;
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
    if (if_current &&
        (!version_id.empty() || !c || c->info.delete_marker || c->info.version_id != if_current->version_id ||
         c->info.etag != if_current->etag || c->info.mtime_ms != if_current->mtime_ms))
      return s3::Error(s3::Code::PreconditionFailed, "The object changed since the delete was decided.");
    DeleteOutcome out;
    out.version_id = std::string(version_id);
    librados::ObjectWriteOperation op;
    int rv = 0;
    std::map<std::string, bufferlist> set;
    std::set<std::string> rm;
    if (version_id.empty() && cur->versioning != Versioning::Unversioned) {
      // A delete marker becomes the newest version, whether or not the key has one.
      ObjectRecord marker;
      marker.info.bucket = std::string(bucket);
      marker.info.key = std::string(key);
      marker.info.delete_marker = true;
      marker.info.mtime_ms = now_ms();
      marker.layout.data_id = random_id();  // names nothing stored: the record is all of it
      if (!cur->live) {
        await_live(b, bucket, cur->shard, cur->split, attempt);
        continue;
      }
      if (auto s = prepare_commit(b, *cur, marker, nullptr, op, &rv, set, rm); !s) return s.error();
      out = {true, marker.info.version_id};
    } else {
      auto v = find_version(b, *cur, key, version_id);
      if (!v) return v.error();
      if (!*v) return out;  // like a missing key: nothing to delete
      if (!cur->live) {
        await_live(b, bucket, cur->shard, cur->split, attempt);
        continue;
      }
      const StoredVersion& target = **v;
      // Judged on the entry the op is guarded on: a lock change racing this delete either
      // lands first (and this attempt fails its guard and judges again) or after.
      if (auto s = check_version_removable(target.rec, now_ms(), cond && cond->bypass_governance); !s) return s.error();
      out.delete_marker = !version_id.empty() && target.rec.info.delete_marker;
      std::map<std::string, std::string> also;
      if (!target.rec.info.is_latest) also.emplace(version_entry(key, target.rec.version_key), target.raw);
      guard(op, *cur, key, &rv, also);
      drop_version(op, b, target.rec, rm);
      if (target.rec.info.is_latest) {  // the next newest, if any, becomes the latest
        auto next = newest_except(b, *cur, key, target.rec.version_key);
        if (!next) return next.error();
        if (*next)
          set.emplace(object_entry(key), to_bl((*next)->raw));
        else
          rm.insert(object_entry(key));
      }
    }
    finish_op(op, *cur, set, rm);
    const int r = b.index.operate(cur->shard, &op);
    switch (after_op(b, bucket, r, attempt)) {
      case Next::Done:
        // Deletes leave tombstones: they count toward compaction as PUTs do.
        if (cur->packed) note_packed_commit(b, ShardRef{cur->shard, cur->gen});
        return out;
      case Next::Retry: continue;
      case Next::Fail: return rados_error("delete object in", cur->shard, r);
    }
  }
  return contention("DeleteObject");
}

}  // namespace silt::rados
