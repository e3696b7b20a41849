#include "rados/import.h"

#include <algorithm>
#include <cerrno>
#include <deque>
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
#include "util/time.h"

namespace silt::rados {

namespace {

// Entries per op before the last: well under the OSD's omap batch limits.
constexpr size_t kOpEntries = 800;

// Copies one version's bytes into a pool: part by part (a single PUT is one part), each
// part stripe_bytes at a time as <data id>.<n>, several writes in flight; or, for a small
// single PUT, into `inlined`. discard() removes what was written.
class DataCopy {
 public:
  DataCopy(Backend& b, DataPool& pool, std::vector<uint64_t> sizes, bool inline_it)
      : b_(b), pool_(pool), inline_(inline_it) {
    for (uint64_t s : sizes) parts_.push_back(Part{random_id(), s});
  }

  s3::Status put(const char* data, size_t n) {
    while (n > 0) {
      while (cur_ < parts_.size() && filled_ == parts_[cur_].size)
        if (auto s = next_part(); !s) return s;
      if (cur_ >= parts_.size())
        return s3::Error(s3::Code::InternalError, "export sent more bytes than the record says");
      if (inline_) {
        inlined.append(data, n);
        filled_ += n;
        return {};
      }
      const uint64_t room = std::min<uint64_t>(parts_[cur_].size - filled_, b_.cfg.stripe_bytes - buf_.length());
      const size_t take = static_cast<size_t>(std::min<uint64_t>(n, room));
      buf_.append(data, static_cast<unsigned>(take));
      data += take;
      n -= take;
      filled_ += take;
      if (buf_.length() == b_.cfg.stripe_bytes)
        if (auto s = flush(); !s) return s;
    }
    return {};
  }

  s3::Status finish() {
    while (cur_ < parts_.size() && filled_ == parts_[cur_].size)
      if (auto s = next_part(); !s) return s;
    if (cur_ != parts_.size())
      return s3::Error(s3::Code::InternalError, "export sent fewer bytes than the record says");
    return drain();
  }

  void discard() {
    (void)drain();
    for (const auto& p : parts_)
      if (p.objects) (void)remove_data(pool_, p.data_id, p.objects);
  }

  struct Part {
    std::string data_id;
    uint64_t size = 0;
    uint64_t objects = 0;
    uint64_t written = 0;  // as stored (zstd frames or raw)
  };
  const std::vector<Part>& parts() const { return parts_; }
  std::string inlined;

 private:
  // The current part is whole: its last stripe goes, the next part starts.
  s3::Status next_part() {
    if (!inline_ && buf_.length() > 0)
      if (auto s = flush(); !s) return s;
    ++cur_;
    filled_ = 0;
    return {};
  }

  s3::Status flush() {
    Part& p = parts_[cur_];
    Pending w{new_completion(), encode_stripe(std::move(buf_), pool_.cfg.zstd_level)};
    buf_ = bufferlist();
    p.written += w.bl.length();
    const std::string oid = data_oid(p.data_id, p.objects);
    if (int r = pool_.io.aio_write_full(oid, w.c.get(), w.bl); r < 0) return rados_error("write", oid, r);
    ++p.objects;
    inflight_.push_back(std::move(w));
    while (inflight_.size() > static_cast<size_t>(std::max(1, b_.cfg.writes_in_flight)))
      if (auto s = wait_oldest(); !s) return s;
    return {};
  }

  s3::Status wait_oldest() {
    Pending w = std::move(inflight_.front());
    inflight_.pop_front();
    w.c->wait_for_complete();
    if (int r = w.c->get_return_value(); r < 0) return rados_error("write imported data", pool_.cfg.rados_pool, r);
    return {};
  }

  s3::Status drain() {
    s3::Status first;
    while (!inflight_.empty())
      if (auto s = wait_oldest(); !s && first.ok()) first = s;
    return first;
  }

  struct Pending {
    Completion c;
    bufferlist bl;
  };
  Backend& b_;
  DataPool& pool_;
  bool inline_;
  std::vector<Part> parts_;
  size_t cur_ = 0;
  uint64_t filled_ = 0;  // bytes of parts_[cur_] received
  bufferlist buf_;
  std::deque<Pending> inflight_;
};

// Every V entry of the key in cur's shard (vkey -> value).
s3::Result<std::map<std::string, std::string>> all_versions(Backend& b, const Current& cur, std::string_view key) {
  std::map<std::string, std::string> out(cur.versions.begin(), cur.versions.end());
  if (!cur.more_versions) return out;
  const std::string scope = version_entry(key, "");
  std::string after = scope;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    int rv = 0;
    librados::ObjectReadOperation op;
    op.omap_get_vals2(after, scope, 1000, &page, &more, &rv);
    if (int r = b.index.operate(cur.shard, &op, nullptr); r < 0) return rados_error("list versions in", cur.shard, r);
    if (page.empty()) break;
    for (const auto& [name, value] : page) out.emplace(name.substr(scope.size()), value.to_str());
    after = page.rbegin()->first;
  }
  return out;
}

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
ObjectRecord with_copy(const ObjectRecord& src, const DataCopy& c, const DataPool& pool, uint32_t stripe,
                       bool inlined) {
  ObjectRecord r = src;
  const PoolProfile& prof = pool.profile;
  const int k = inlined ? 1 : prof.k, m = inlined ? 0 : prof.m;
  const bool multipart = src.multipart();
  r.layout = ObjectLayout{k,
                          m,
                          stripe,
                          multipart ? "" : c.parts().front().data_id,
                          multipart ? std::vector<int>{} : identity_distribution(k + m),
                          inlined ? "" : pool.cfg.name,
                          inlined ? "" : compression(pool),
                          0};
  r.info.stored_bytes = 0;
  for (size_t i = 0; i < r.parts.size(); ++i) {
    const uint64_t stored = inlined ? c.inlined.size() : stored_size(c.parts()[i].written, prof);
    r.parts[i].data_id = c.parts()[i].data_id;
    r.parts[i].distribution = multipart ? identity_distribution(k + m) : std::vector<int>{};
    r.parts[i].stored = stored;
    r.info.stored_bytes += stored;
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
  auto existing = all_versions(b, *cur, key);
  if (!existing) return existing.error();

  std::map<std::string, bufferlist> set;
  std::set<std::string> rm;
  std::vector<std::unique_ptr<DataCopy>> copies;  // discarded when the commit fails
  std::vector<ObjectRecord> changed;              // their record copies go to the data after the commit
  std::string latest;
  const int64_t due = now_ms() + b.cfg.gc_grace_ms;
  auto drop = [&](const ObjectRecord& old) {
    rm.insert(version_entry(key, old.version_key));
    if (is_inline(old)) rm.insert(inline_entry(old.layout.data_id));
    for (auto& [name, value] : gc_items(old, due)) set.emplace(name, to_bl(value));
  };
  auto fail = [&](s3::Error e) {
    for (auto& c : copies) c->discard();
    return e;
  };

  std::set<std::string> wanted;
  std::string newer;
  for (const ObjectInfo& v : versions) {
    const ObjectRecord src = source_record(v, newer);
    newer = src.version_key;
    wanted.insert(src.version_key);
    ObjectRecord rec;
    auto it = existing->find(src.version_key);
    std::optional<ObjectRecord> stored;
    if (it != existing->end()) {
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
    if (src.info.delete_marker) {
      rec = src;
    } else {
      DataPool* pool = b.pool_for_class(src.info.meta.storage_class);
      if (!pool)
        return fail(s3::Error(s3::Code::InvalidStorageClass, "storage class " + src.info.meta.storage_class + " of " +
                                                                 std::string(key) +
                                                                 " is not mapped to a pool of this cluster"));
      const bool inlined = !src.multipart() && src.info.size <= b.cfg.inline_bytes;
      std::vector<uint64_t> sizes;
      for (const auto& p : src.parts) sizes.push_back(p.size);
      if (!src.multipart()) sizes = {src.info.size};
      copies.push_back(std::make_unique<DataCopy>(b, *pool, sizes, inlined));
      DataCopy& c = *copies.back();
      auto s = data(v, [&c](const char* d, size_t n) { return c.put(d, n); });
      if (s) s = c.finish();
      if (!s) return fail(s.error());
      rec = with_copy(src, c, *pool, b.cfg.stripe_bytes, inlined);
      if (inlined && !c.inlined.empty()) set.emplace(inline_entry(rec.layout.data_id), to_bl(c.inlined));
      ++stats.written;
      stats.bytes += src.info.size;
    }
    rec.info.is_latest = latest.empty();
    const std::string value = encode_index_record(rec);
    set.emplace(version_entry(key, rec.version_key), to_bl(value));
    if (latest.empty()) latest = value;
    if (!rec.info.delete_marker && !is_inline(rec)) changed.push_back(rec);
  }
  for (const auto& [vkey, raw] : *existing) {
    if (wanted.count(vkey)) continue;
    auto dec = decode_object_record(raw);
    if (!dec) return fail(s3::Error(s3::Code::InternalError, "index version of " + std::string(key) + " is corrupt"));
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
  // already) fails rather than being overwritten.
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
  for (;;) {
    const bool last = sets.size() - si + rms.size() - ri <= kOpEntries;
    librados::ObjectWriteOperation op;
    guard_shard(op, shard);
    int rv = 0;
    if (last) op.omap_cmp({{o, {to_bl(cur->raw), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
    std::set<std::string> batch_rm;
    std::map<std::string, bufferlist> batch_set;
    for (size_t n = 0; n < kOpEntries && ri < rms.size(); ++n) batch_rm.insert(rms[ri++]);
    for (size_t n = batch_rm.size(); n < kOpEntries && si < sets.size(); ++n) batch_set.insert(sets[si++]);
    if (last) {
      if (o_rm) batch_rm.insert(o);
      if (o_set) batch_set.emplace(o, *o_set);
      // A packed bucket lists from blocks and deltas: the O change carries its delta.
      if (cur->packed) add_list_deltas(batch_set, batch_rm);
    }
    if (!batch_rm.empty()) op.omap_rm_keys(batch_rm);
    if (!batch_set.empty()) op.omap_set(batch_set);
    int r = b.index.operate(shard.oid, &op);
    if (r == -ECANCELED || r == -ENOENT) {
      b.forget_bucket(bucket);
      return fail(contention("importing " + std::string(key) + " (the key or its shard changed meanwhile)"));
    }
    if (r < 0) return fail(rados_error("import into", shard.oid, r));
    if (last) break;
  }
  for (auto& rec : changed) copy_record_to_data(b, bucket, key, std::move(rec));
  return {};
}

}  // namespace silt::rados
