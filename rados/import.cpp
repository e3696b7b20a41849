#include "rados/import.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "index/keys.h"
#include "index/listing_header.h"
#include "rados/frames.h"
#include "rados/gc.h"
#include "rados/list_pack.h"
#include "rados/objects.h"
#include "rados/record_copy.h"
#include "rados/stripe_writer.h"
#include "util/time.h"

namespace silt::rados {

namespace {

// Entries per op before the last: well under the OSD's omap batch limits.
constexpr size_t kOpEntries = 800;

// Copies one version's bytes into a pool as a PUT writes them (rados/stripe_writer.h):
// part by part (a single PUT is one part), each part its own data id under its own write
// intent, so the sweeper reclaims the copy of an import that died before its commit; or,
// for a small single PUT, into `inlined`. Not committed, the stripe writers free the data.
class VersionCopy {
 public:
  VersionCopy(Backend& b, DataPool& pool, std::string_view bucket, std::string_view key, std::vector<uint64_t> sizes,
              bool inline_it)
      : sizes_(std::move(sizes)), inline_id_(inline_it ? random_id() : std::string()) {
    if (!inline_it)
      for (size_t i = 0; i < sizes_.size(); ++i)
        parts_.push_back(std::make_unique<StripeWriter>(b, pool, std::string(bucket), std::string(key)));
  }

  s3::Status put(const char* data, size_t n) {
    while (n > 0) {
      while (cur_ < sizes_.size() && filled_ == sizes_[cur_])
        if (auto s = next_part(); !s) return s;
      if (cur_ >= sizes_.size())
        return s3::Error(s3::Code::InternalError, "export sent more bytes than the record says");
      const size_t take = static_cast<size_t>(std::min<uint64_t>(n, sizes_[cur_] - filled_));
      if (inlined_it())
        inlined.append(data, take);
      else if (auto s = parts_[cur_]->append(data, take); !s)
        return s;
      data += take;
      n -= take;
      filled_ += take;
    }
    return {};
  }

  s3::Status finish() {
    while (cur_ < sizes_.size() && filled_ == sizes_[cur_])
      if (auto s = next_part(); !s) return s;
    if (cur_ != sizes_.size())
      return s3::Error(s3::Code::InternalError, "export sent fewer bytes than the record says");
    return {};
  }

  bool inlined_it() const { return !inline_id_.empty(); }
  const std::string& data_id(size_t part) const { return inlined_it() ? inline_id_ : parts_[part]->data_id(); }
  uint64_t stored(size_t part) const { return inlined_it() ? inlined.size() : parts_[part]->stored_bytes(); }

  // The intents the commit drops and asserts (entry, value): one per part that sent data.
  std::vector<std::pair<std::string, std::string>> intents() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& p : parts_)
      if (!p->intent_raw().empty()) out.emplace_back(intent_entry(p->data_id()), p->intent_raw());
    return out;
  }
  s3::Status keep_intents() {
    for (auto& p : parts_)
      if (auto s = p->keep_intent(); !s) return s;
    return {};
  }
  void committed() {
    for (auto& p : parts_) p->committed();
  }

  std::string inlined;

 private:
  // The current part is whole: its last stripe goes, the next part starts.
  s3::Status next_part() {
    if (!inlined_it())
      if (auto s = parts_[cur_]->finish(); !s) return s;
    ++cur_;
    filled_ = 0;
    return {};
  }

  std::vector<uint64_t> sizes_;
  std::string inline_id_;  // set: the version goes inline, under this data id
  std::vector<std::unique_ptr<StripeWriter>> parts_;
  size_t cur_ = 0;
  uint64_t filled_ = 0;  // bytes of part cur_ received
};

// The same data: a version whose record differs only in what a metadata change makes
// (tags, ACL, lock) keeps the data already copied.
bool same_data(const ObjectRecord& a, const ObjectRecord& b) {
  return a.info.delete_marker == b.info.delete_marker && a.info.etag == b.info.etag && a.info.size == b.info.size &&
         a.info.mtime_ms == b.info.mtime_ms && a.info.meta.storage_class == b.info.meta.storage_class &&
         a.parts.size() == b.parts.size();
}

// src with the layout of `stored`, a record of the same data already in the cluster.
ObjectRecord with_layout_of(const ObjectRecord& src, const ObjectRecord& stored) {
  ObjectRecord r = src;
  r.layout = stored.layout;
  for (size_t i = 0; i < r.parts.size() && i < stored.parts.size(); ++i) {
    r.parts[i].data_id = stored.parts[i].data_id;
    r.parts[i].distribution = stored.parts[i].distribution;
    r.parts[i].stored = stored.parts[i].stored;
  }
  r.info.stored_bytes = stored.info.stored_bytes;
  return r;
}

// src with the layout its copy `c` in pool got.
ObjectRecord with_copy(const ObjectRecord& src, const VersionCopy& c, const DataPool& pool, uint32_t stripe) {
  ObjectRecord r = src;
  const PoolProfile& prof = pool.profile;
  const bool inlined = c.inlined_it();
  const int k = inlined ? 1 : prof.k, m = inlined ? 0 : prof.m;
  const bool multipart = src.multipart();
  r.layout = ObjectLayout{k,
                          m,
                          stripe,
                          multipart ? "" : c.data_id(0),
                          multipart ? std::vector<int>{} : identity_distribution(k + m),
                          inlined ? "" : pool.cfg.name,
                          inlined ? "" : compression(pool),
                          0};
  r.info.stored_bytes = 0;
  for (size_t i = 0; i < r.parts.size(); ++i) {
    r.parts[i].data_id = c.data_id(i);
    r.parts[i].distribution = multipart ? identity_distribution(k + m) : std::vector<int>{};
    r.parts[i].stored = c.stored(i);
    r.info.stored_bytes += c.stored(i);
  }
  return r;
}

// The record of version v (the i-th newest of its key) as the source would hold it, but
// for its layout: vkey, parts, the upload it completed. `newer`: the vkey of the version
// before it ("" for the newest).
ObjectRecord source_record(const ObjectInfo& v, const std::string& newer) {
  ObjectRecord r;
  r.info = v;
  r.upload_id = v.upload_id;
  if (v.version_id != "null") {
    r.version_key = v.version_id;
  } else {
    uint64_t t = static_cast<uint64_t>(std::max<int64_t>(v.mtime_ms, 0)) * 1000 + 999;
    if (const uint64_t limit = keys::version_key_time(newer); limit > 0 && t >= limit) t = limit - 1;
    r.version_key = keys::make_version_key(t, true);
  }
  if (v.delete_marker) return r;
  if (v.parts.empty()) {
    r.layout.data_id = "source";  // a single PUT (multipart() looks at it); replaced by the copy's
    r.parts.push_back({1, v.size, v.etag, "", {}, {}, 0});
  } else {
    for (const auto& p : v.parts) r.parts.push_back({p.number, p.size, p.etag, "", {}, p.checksums, 0});
  }
  return r;
}

}  // namespace

s3::Status import_key(Backend& b, std::string_view bucket, std::string_view key,
                      const std::vector<ObjectInfo>& versions, const DataSource& data, ImportStats& stats) {
  auto cur = read_current(b, bucket, key, true);
  if (!cur) return cur.error();
  std::map<std::string, std::string> existing;
  auto scanned = scan_versions(b, *cur, key, [&](const std::string& vkey, const std::string& value) {
    existing.emplace(vkey, value);
    return false;
  });
  if (!scanned) return scanned.error();

  std::map<std::string, bufferlist> set;
  std::set<std::string> rm;
  // The copies made, by the V entry that names them: freed unless the op setting it commits.
  std::map<std::string, std::unique_ptr<VersionCopy>> copies;
  std::vector<ObjectRecord> changed;  // their record copies go to the data after the commit
  std::string latest;
  const int64_t due = now_ms() + b.cfg.gc_grace_ms;
  auto drop = [&](const ObjectRecord& old) {
    rm.insert(version_entry(key, old.version_key));
    if (is_inline(old)) rm.insert(inline_entry(old.layout.data_id));
    for (auto& [name, value] : gc_items(old, due)) set.emplace(name, to_bl(value));
  };

  std::set<std::string> wanted;
  std::string newer;
  for (const ObjectInfo& v : versions) {
    const ObjectRecord src = source_record(v, newer);
    newer = src.version_key;
    wanted.insert(src.version_key);
    ObjectRecord rec;
    auto it = existing.find(src.version_key);
    std::optional<ObjectRecord> stored;
    if (it != existing.end()) {
      auto dec = decode_object_record(it->second);
      if (dec) {
        dec->info.bucket = std::string(bucket);
        dec->info.key = std::string(key);
        stored = std::move(*dec);
      }
    }
    if (stored && same_data(src, *stored)) {
      rec = src.info.delete_marker ? src : with_layout_of(src, *stored);
      rec.info.is_latest = latest.empty();
      const std::string value = encode_index_record(rec);
      if (value == it->second) {
        ++stats.same;
      } else {
        set.emplace(version_entry(key, rec.version_key), to_bl(value));
        ++stats.rewritten;
        changed.push_back(rec);
      }
      if (latest.empty()) latest = value;
      continue;
    }
    if (stored) drop(*stored);  // same vkey, other data: cannot happen between silts, but exact
    const std::string entry = version_entry(key, src.version_key);
    if (src.info.delete_marker) {
      rec = src;
    } else {
      DataPool* pool = b.pool_for_class(src.info.meta.storage_class);
      if (!pool)
        return s3::Error(s3::Code::InvalidStorageClass, "storage class " + src.info.meta.storage_class + " of " +
                                                            std::string(key) +
                                                            " is not mapped to a pool of this cluster");
      const bool inlined = !src.multipart() && src.info.size <= b.cfg.inline_bytes;
      std::vector<uint64_t> sizes;
      for (const auto& p : src.parts) sizes.push_back(p.size);
      if (!src.multipart()) sizes = {src.info.size};
      // The key's versions copied before wait for this one: their intents must stay fresh.
      for (auto& [name, earlier] : copies)
        if (auto s = earlier->keep_intents(); !s) return s;
      auto copy = std::make_unique<VersionCopy>(b, *pool, bucket, key, std::move(sizes), inlined);
      VersionCopy& c = *copy;
      copies[entry] = std::move(copy);
      auto s = data(v, [&c](const char* d, size_t n) { return c.put(d, n); });
      if (s) s = c.finish();
      if (!s) return s;
      rec = with_copy(src, c, *pool, b.cfg.stripe_bytes);
      if (inlined && !c.inlined.empty()) set.emplace(inline_entry(rec.layout.data_id), to_bl(c.inlined));
      ++stats.written;
      stats.bytes += src.info.size;
    }
    rec.info.is_latest = latest.empty();
    const std::string value = encode_index_record(rec);
    set.emplace(entry, to_bl(value));
    if (latest.empty()) latest = value;
    if (!rec.info.delete_marker && !is_inline(rec)) changed.push_back(rec);
  }
  for (const auto& [vkey, raw] : existing) {
    if (wanted.count(vkey)) continue;
    auto dec = decode_object_record(raw);
    if (!dec) return s3::Error(s3::Code::InternalError, "index version of " + std::string(key) + " is corrupt");
    dec->info.key = std::string(key);
    drop(*dec);
    ++stats.removed;
  }
  if (latest.empty())
    rm.insert(object_entry(key));
  else if (latest != cur->raw)
    set.emplace(object_entry(key), to_bl(latest));
  for (const auto& k : set) rm.erase(k.first);
  if (set.empty() && rm.empty()) return {};

  // Batches before the last carry no O change and only the shard's guard; the last one
  // asserts the O entry read, so a key changed meanwhile (a gateway serving clients
  // already) fails rather than being overwritten. A V entry naming copied data goes in
  // the op that drops the copy's intents, asserting them unswept: no moment leaves the
  // data unnamed, or named twice.
  const ShardRef shard{cur->shard, cur->gen};
  std::vector<std::pair<std::string, bufferlist>> sets(set.begin(), set.end());
  std::vector<std::string> rms(rm.begin(), rm.end());
  const std::string o = object_entry(key);
  std::optional<bufferlist> o_set;
  if (auto it = std::find_if(sets.begin(), sets.end(), [&](const auto& e) { return e.first == o; }); it != sets.end()) {
    o_set = it->second;
    sets.erase(it);
  }
  const bool o_rm = std::find(rms.begin(), rms.end(), o) != rms.end();
  if (o_rm) rms.erase(std::find(rms.begin(), rms.end(), o));
  size_t si = 0, ri = 0;
  uint64_t epoch = cur->list.current;  // the listing epoch the O change's delta goes to
  for (int epoch_moved = 0;;) {
    const size_t si_start = si, ri_start = ri;
    const bool last = sets.size() - si + rms.size() - ri <= kOpEntries;
    std::map<std::string, std::pair<bufferlist, int>> cmp;
    if (last) cmp.emplace(o, std::make_pair(to_bl(cur->raw), LIBRADOS_CMPXATTR_OP_EQ));
    std::set<std::string> batch_rm;
    std::map<std::string, bufferlist> batch_set;
    std::vector<VersionCopy*> batch_copies;
    for (size_t n = 0; n < kOpEntries && ri < rms.size(); ++n) batch_rm.insert(rms[ri++]);
    for (size_t n = batch_rm.size(); n < kOpEntries && si < sets.size(); ++n) {
      const auto& e = sets[si++];
      batch_set.insert(e);
      auto c = copies.find(e.first);
      if (c == copies.end()) continue;
      batch_copies.push_back(c->second.get());
      for (const auto& [intent, raw] : c->second->intents()) {
        batch_rm.insert(intent);
        cmp.emplace(intent, std::make_pair(to_bl(raw), LIBRADOS_CMPXATTR_OP_EQ));
        ++n;
      }
    }
    if (last) {
      if (o_rm) batch_rm.insert(o);
      if (o_set) batch_set.emplace(o, *o_set);
      // A packed bucket lists from blocks and deltas: the O change carries its delta.
      if (cur->packed) add_list_deltas(batch_set, batch_rm, epoch);
    }
    librados::ObjectWriteOperation op;
    guard_shard(op, shard);
    if (last && cur->packed) guard_list_epoch(op, epoch);
    int rv = 0;
    if (!cmp.empty()) op.omap_cmp(cmp, &rv);
    if (!batch_rm.empty()) op.omap_rm_keys(batch_rm);
    if (!batch_set.empty()) op.omap_set(batch_set);
    int r = b.index.operate(shard.oid, &op);
    if (r == -ECANCELED && last && cur->packed && ++epoch_moved < kMaxAttempts) {
      // A compaction (this importer's own, mostly) may have closed the epoch: when only
      // that changed, the same op goes again into the new one.
      auto again = read_current(b, bucket, key, false);
      if (again && again->gen == cur->gen && again->raw == cur->raw && again->list.current != epoch) {
        epoch = again->list.current;
        si = si_start;
        ri = ri_start;
        continue;
      }
    }
    if (r == -ECANCELED || r == -ENOENT) {
      b.forget_bucket(bucket);
      return contention("importing " + std::string(key) +
                        " (the key or its shard changed meanwhile, or its write intents were swept)");
    }
    if (r < 0) return rados_error("import into", shard.oid, r);
    for (VersionCopy* c : batch_copies) c->committed();
    if (last) break;
  }
  for (auto& rec : changed) copy_record_to_data(b, bucket, key, std::move(rec));
  return {};
}

}  // namespace silt::rados
