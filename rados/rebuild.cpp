#include "rados/rebuild.h"

#include <cerrno>
#include <map>
#include <vector>

#include "index/listing_header.h"
#include "index/object_record.h"
#include "rados/buckets.h"
#include "rados/list_pack.h"
#include "rados/record_copy.h"
#include "rados/split.h"

namespace silt::rados {

namespace {

// Versions found on the data, per bucket, per key, by vkey.
using Found = std::map<std::string, std::map<std::string, std::map<std::string, ObjectRecord>>>;

// Does every data object the record names exist? (A single PUT's objects, or each part's.)
s3::Result<bool> data_complete(DataPool& pool, const ObjectRecord& rec) {
  std::vector<std::pair<std::string, uint64_t>> ids;  // data id, objects
  if (!rec.layout.data_id.empty())
    ids.emplace_back(rec.layout.data_id, object_count(rec.info.size, rec.layout.block_size));
  else
    for (const auto& p : rec.parts) ids.emplace_back(p.data_id, object_count(p.size, rec.layout.block_size));
  for (const auto& [id, n] : ids)
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t size = 0;
      time_t mtime = 0;
      const int r = pool.io.stat(data_oid(id, i), &size, &mtime);
      if (r == -ENOENT) return false;
      if (r < 0) return rados_error("stat", data_oid(id, i), r);
    }
  return true;
}

// Reads the record copies of one data pool into found.
s3::Status walk_pool(DataPool& pool, const std::set<std::string>& buckets, std::string_view only_bucket, Found& found,
                     RebuildReport& rep) {
  try {
    for (auto it = pool.io.nobjects_begin(); it != pool.io.nobjects_end(); ++it) {
      const std::string& oid = it->get_oid();
      if (oid.size() < 3 || oid.compare(oid.size() - 2, 2, ".0") != 0) continue;
      ++rep.objects;
      bufferlist bl;
      const int r = pool.io.getxattr(oid, kRecordXattr, bl);
      if (r == -ENODATA || r == -ENOENT) continue;  // no copy (yet), or removed meanwhile
      if (r < 0) return rados_error("getxattr", oid, r);
      auto rec = decode_object_record(bl.to_str());
      if (!rec) {
        ++rep.skipped_unreadable;
        continue;
      }
      if (!only_bucket.empty() && rec->info.bucket != only_bucket) continue;
      ++rep.records;
      if (!buckets.contains(rec->info.bucket)) {
        ++rep.skipped_no_bucket;
        rep.missing_buckets.insert(rec->info.bucket);
        continue;
      }
      auto complete = data_complete(pool, *rec);
      if (!complete) return complete.error();
      if (!*complete) {
        ++rep.skipped_missing_data;
        continue;
      }
      const std::string vkey = rec->version_key;
      if (vkey.empty()) {
        ++rep.skipped_unreadable;
        continue;
      }
      found[rec->info.bucket][rec->info.key].emplace(vkey, std::move(*rec));
    }
  } catch (const std::exception& e) {  // librados' object iterator reports errors by throwing
    return s3::Error(s3::Code::InternalError,
                     std::string("rados: listing pool ") + pool.cfg.rados_pool + ": " + e.what());
  }
  return {};
}

// Every omap entry of oid whose name starts with prefix.
s3::Result<std::map<std::string, bufferlist>> read_scope(Backend& b, const std::string& oid,
                                                         const std::string& prefix) {
  std::map<std::string, bufferlist> all;
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation op;
    int rv = 0;
    op.omap_get_vals2(after, prefix, 1000, &page, &more, &rv);
    if (int r = b.index.operate(oid, &op, nullptr); r < 0) return rados_error("read", oid, r);
    if (rv < 0) return rados_error("read", oid, rv);
    if (page.empty()) break;
    after = page.rbegin()->first;
    all.merge(page);
  }
  return all;
}

// Data ids waiting in the GC queues of the bucket's shards: their versions were
// replaced or deleted, and must not come back.
s3::Result<std::set<std::string>> queued_for_gc(Backend& b, std::string_view bucket) {
  auto map = b.shard_map(bucket);
  if (!map) return map.error();
  std::set<std::string> ids;
  for (const auto& range : (*map)->ranges) {
    auto g = read_scope(b, range.shard.oid, "G");
    if (!g) return g.error();
    for (const auto& [name, v] : *g)
      if (name.size() > 17) ids.insert(name.substr(17));  // "G" + 16 hex digits of the due time
  }
  return ids;
}

// Restores the entries of one key the shard lacks; retried while the shard splits.
s3::Status restore_key(Backend& b, std::string_view bucket, const std::string& key,
                       const std::map<std::string, ObjectRecord>& versions, RebuildReport& rep) {
  for (int attempt = 0;; ++attempt) {
    auto map = b.shard_map(bucket);
    if (!map) return map.error();
    const ShardRef shard = (*map)->ranges[(*map)->index_of(key)].shard;
    const std::string oentry = object_entry(key);
    auto existing = read_scope(b, shard.oid, version_entry(key, ""));
    if (!existing) return existing.error();
    std::map<std::string, bufferlist> o, attrs;
    {
      librados::ObjectReadOperation op;
      int rv = 0, rv_attrs = 0;
      op.getxattrs(&attrs, &rv_attrs);
      op.omap_get_vals_by_keys({oentry}, &o, &rv);
      if (int r = b.index.operate(shard.oid, &op, nullptr); r < 0) return rados_error("read", shard.oid, r);
    }
    auto epochs = parse_list_epochs(attrs);
    if (!epochs) return corrupt_epochs(shard.oid);
    // The key's entries after the restore, by vkey: the first is the newest.
    std::map<std::string, std::string> after;
    const size_t scope_len = version_entry(key, "").size();
    for (const auto& [name, v] : *existing) after.emplace(name.substr(scope_len), v.to_str());
    std::map<std::string, bufferlist> set;
    std::map<std::string, std::pair<bufferlist, int>> absent;
    uint64_t restored = 0, present = 0;
    for (const auto& [vkey, rec] : versions) {
      if (after.contains(vkey)) {
        ++present;
        continue;
      }
      const std::string value = encode_index_record(rec);
      after.emplace(vkey, value);
      set.emplace(version_entry(key, vkey), to_bl(value));
      absent.emplace(version_entry(key, vkey), std::make_pair(bufferlist(), LIBRADOS_CMPXATTR_OP_EQ));
      ++restored;
    }
    const bool restore_o = o.empty() && !after.empty();
    if (restore_o) {
      set.emplace(oentry, to_bl(after.begin()->second));
      absent.emplace(oentry, std::make_pair(bufferlist(), LIBRADOS_CMPXATTR_OP_EQ));
    }
    if (set.empty()) {
      rep.present += present;
      return {};
    }
    if (restore_o && (*map)->packed) add_list_deltas(set, {}, epochs->current);  // the restored key lists again
    librados::ObjectWriteOperation op;
    guard_shard(op, shard);
    guard_list_epoch(op, epochs->current);
    op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
    int rv = 0;
    op.omap_cmp(absent, &rv);  // an omap_cmp against "" holds only for an absent entry
    op.omap_set(set);
    const int r = b.index.operate(shard.oid, &op);
    if (r == -ECANCELED || r == -ENOENT) {  // a split, or a gateway wrote the key: look again
      if (attempt + 1 >= kMaxAttempts) return contention("restoring an index entry");
      b.forget_bucket(bucket);
      settle(b, bucket, shard.oid, attempt);
      continue;
    }
    if (r < 0) return rados_error("restore entries in", shard.oid, r);
    rep.restored += restored;
    rep.present += present;
    if (restore_o) ++rep.latest_restored;
    note_commit(b, bucket, shard, 1);
    return {};
  }
}

}  // namespace

s3::Result<RebuildReport> rebuild_from_data(Backend& b, std::string_view only_bucket) {
  auto listed = list_buckets(b);
  if (!listed) return listed.error();
  std::set<std::string> buckets;
  for (const auto& bi : *listed) buckets.insert(bi.name);
  RebuildReport rep;
  Found found;
  for (auto& pool : b.pools)
    if (auto s = walk_pool(*pool, buckets, only_bucket, found, rep); !s) return s.error();
  for (auto& [bucket, keys] : found) {
    auto gc = queued_for_gc(b, bucket);
    if (!gc) return gc.error();
    for (auto& [key, versions] : keys) {
      std::erase_if(versions, [&](const auto& v) {
        const bool queued = gc->contains(v.second.primary_data_id());
        if (queued) ++rep.skipped_gc;
        return queued;
      });
      if (versions.empty()) continue;
      if (auto s = restore_key(b, bucket, key, versions, rep); !s) return s.error();
    }
  }
  b.upkeep.drain();  // the splits and compactions the restores made due, before the tool exits
  return rep;
}

}  // namespace silt::rados
