#include "rados/split.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "index/object_record.h"
#include "rados/list_pack.h"
#include "util/time.h"

namespace silt::rados {

namespace {

using nlohmann::json;

constexpr size_t kBatch = 1000;  // the OSD takes at most 1024 omap entries per request

struct SplitRecord {
  std::string bucket_id, old_oid, new_oid, lower, gen, old_gen;
  int64_t started_ms = 0;
};

std::string encode_record(const SplitRecord& r) {
  return json{{"bucket", r.bucket_id}, {"old", r.old_oid},     {"new", r.new_oid},          {"lower", r.lower},
              {"gen", r.gen},          {"old_gen", r.old_gen}, {"started_ms", r.started_ms}}
      .dump();
}

s3::Result<SplitRecord> decode_record(const std::string& raw) {
  json j = json::parse(raw, nullptr, false);
  if (!j.is_object() || !j.contains("new") || !j.contains("lower") || !j.contains("gen"))
    return s3::Error(s3::Code::InternalError, "rados: corrupt split record");
  return SplitRecord{j.value("bucket", ""),
                     j.value("old", ""),
                     j.value("new", ""),
                     j.value("lower", ""),
                     j.value("gen", ""),
                     j.value("old_gen", ""),
                     j.value("started_ms", int64_t{0})};
}

s3::Status failpoint(const Backend& b, std::string_view step) {
  if (b.cfg.split_failpoint != step) return {};
  return s3::Error(s3::Code::InternalError, "rados: split stopped at failpoint " + std::string(step));
}

// The xattrs of oid; -ENOENT when it is gone.
int read_attrs(Backend& b, const std::string& oid, std::map<std::string, bufferlist>& attrs) {
  librados::ObjectReadOperation op;
  int rv = 0;
  op.getxattrs(&attrs, &rv);
  return b.index.operate(oid, &op, nullptr);
}

std::string attr(const std::map<std::string, bufferlist>& attrs, const char* name) {
  auto it = attrs.find(name);
  return it == attrs.end() ? std::string() : it->second.to_str();
}

// What a split does to old's listing blocks (rados/list_pack.h): a block holding keys on
// both sides of the bound is cut, its keys from the bound on moving under its name, the
// rest staying in old under their own last key.
struct BlockCut {
  std::string name;        // the block cut ("" when none is)
  std::string low_name;    // the name of the part that stays
  std::string low, whole;  // that part, and the block as it was (what trimming asserts)
};

// The entries of old that belong to keys from lower on: their O, V, U, P entries, the
// D entries of their inlined versions, the I entries of their writes in flight, their
// listing deltas and blocks (a block across the bound cut: *cut). G entries stay (GC
// walks every shard).
s3::Result<std::map<std::string, bufferlist>> moving_entries(Backend& b, const std::string& old,
                                                             const std::string& lower, BlockCut* cut) {
  std::map<std::string, bufferlist> moving, inlined;
  std::set<std::string> inline_ids;
  std::string after;
  for (bool more = true; more;) {
    std::map<std::string, bufferlist> page;
    librados::ObjectReadOperation op;
    int rv = 0;
    op.omap_get_vals2(after, "", kBatch, &page, &more, &rv);
    if (int r = b.index.operate(old, &op, nullptr); r < 0) return rados_error("read", old, r);
    for (auto& [name, value] : page) {
      std::string key;
      if (auto delta = delta_key(name)) {
        if (*delta >= lower) moving.emplace(name, value);
      } else if (!name.empty() && name[0] == kBlockKind) {
        if (std::string_view(name).substr(1) < lower) continue;
        std::vector<BlockEntry> entries;
        const std::string whole = value.to_str();
        if (auto s = decode_listing_block(whole, std::string_view(name).substr(1), entries); !s)
          return s3::Error(s.error().code, s.error().message + " (" + name + " in " + old + ")");
        if (entries.front().key >= lower) {
          moving.emplace(name, value);
          continue;
        }
        auto mid = std::lower_bound(entries.begin(), entries.end(), lower,
                                    [](const BlockEntry& e, const std::string& k) { return e.key < k; });
        const std::vector<BlockEntry> low(entries.begin(), mid), high(mid, entries.end());
        moving.emplace(name, to_bl(encode_listing_block(high)));
        *cut = BlockCut{name, block_entry(low.back().key), encode_listing_block(low), whole};
      } else if (entry_key(name, key)) {
        if (key < lower) continue;
        if (name[0] == 'V')
          if (auto rec = decode_object_record(value.to_str()); rec && is_inline(*rec) && !rec->layout.data_id.empty())
            inline_ids.insert(rec->layout.data_id);
        moving.emplace(name, value);
      } else if (name[0] == 'D') {
        inlined.emplace(name, value);
      } else if (name[0] == 'I') {
        json j = json::parse(value.to_str(), nullptr, false);
        if (j.is_object() && j.value("key", std::string()) >= lower && j.contains("key")) moving.emplace(name, value);
      }
    }
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  for (auto& [name, value] : inlined)
    if (inline_ids.count(name.substr(1))) moving.emplace(name, value);
  return moving;
}

// Step 3: the map names new's range (and old's next generation). Idempotent.
s3::Status publish_map(Backend& b, const std::string& old, const SplitRecord& rec) {
  const std::string moid = map_oid(rec.bucket_id);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto m = load_shard_map(b, rec.bucket_id);
    if (!m) return m.error();
    const ShardRange* mine = nullptr;
    for (const auto& r : m->ranges) {
      if (r.shard.oid == rec.new_oid) return {};  // published already
      if (r.shard.oid == old) mine = &r;
    }
    if (!mine) return s3::Error(s3::Code::InternalError, "rados: split shard " + old + " is not in its map");
    librados::ObjectWriteOperation op;
    std::map<std::string, bufferlist> set{{"S" + mine->lower, to_bl(rec.gen + " " + old)},
                                          {"S" + rec.lower, to_bl(rec.gen + " " + rec.new_oid)}};
    if (m->gen.empty()) {  // the implied map becomes a real one
      op.create(true);
      for (const auto& r : m->ranges) set.emplace("S" + r.lower, to_bl(r.shard.gen + " " + r.shard.oid));
    } else {
      op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(m->gen));
    }
    op.setxattr(kGenXattr, to_bl(next_gen(m->gen)));
    op.omap_set(set);
    const int r = b.index.operate(moid, &op);
    if (r == 0) return {};
    if (r != -ECANCELED && r != -EEXIST) return rados_error("update shard map", moid, r);
    backoff(attempt);  // another shard's split changed the map: apply ours to the new one
  }
  return contention("shard map update");
}

// Applies fill to `oid` in batches of names, each op guarded by guard.
template <typename Guard, typename Fill>
int batched(Backend& b, const std::string& oid, const std::map<std::string, bufferlist>& entries, Guard guard,
            Fill fill) {
  auto it = entries.begin();
  while (it != entries.end()) {
    std::map<std::string, bufferlist> batch;
    for (size_t n = 0; n < kBatch && it != entries.end(); ++n, ++it) batch.emplace(it->first, it->second);
    librados::ObjectWriteOperation op;
    guard(op);
    fill(op, batch);
    if (int r = b.index.operate(oid, &op); r < 0) return r;
  }
  return 0;
}

}  // namespace

s3::Result<uint64_t> count_entries(Backend& b, const std::string& oid) {
  uint64_t n = 0;
  std::string after;
  for (bool more = true; more;) {
    std::set<std::string> keys;
    librados::ObjectReadOperation op;
    int rv = 0;
    op.omap_get_keys2(after, kBatch, &keys, &more, &rv);
    if (int r = b.index.operate(oid, &op, nullptr); r < 0) return rados_error("count entries of", oid, r);
    n += keys.size();
    if (keys.empty()) break;
    after = *keys.rbegin();
  }
  return n;
}

s3::Status finish_split(Backend& b, const std::string& old, const std::string& split_record) {
  auto rec = decode_record(split_record);
  if (!rec) return rec.error();
  auto guard_old = [&](librados::ObjectWriteOperation& op) {
    op.cmpxattr(kSplitXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(split_record));
  };
  auto guard_new = [&](librados::ObjectWriteOperation& op) {
    op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kSplitting));
  };
  // 2. The new shard, then the copy (unless new is live: someone finished).
  std::map<std::string, bufferlist> attrs;
  int r = read_attrs(b, rec->new_oid, attrs);
  if (r < 0 && r != -ENOENT) return rados_error("read", rec->new_oid, r);
  if (r == -ENOENT) {
    std::map<std::string, bufferlist> old_attrs;
    if (int r2 = read_attrs(b, old, old_attrs); r2 < 0) return rados_error("read", old, r2);
    if (attr(old_attrs, kSplitXattr) != split_record) return {};  // finished and cleaned up meanwhile
    librados::ObjectWriteOperation op;
    op.create(true);
    op.setxattr(kStateXattr, to_bl(kSplitting));
    op.setxattr(kGenXattr, to_bl(rec->gen));
    op.setxattr(kSplitXattr, to_bl(split_record));  // writers that meet it wait, or finish it
    if (auto v = attr(old_attrs, "versioning"); !v.empty()) op.setxattr("versioning", to_bl(v));
    // The moved deltas keep their epochs' names; old is frozen, so its epochs hold.
    for (const char* name : {kListEpochXattr, kListFoldedXattr})
      if (auto v = attr(old_attrs, name); !v.empty()) op.setxattr(name, to_bl(v));
    if (int r2 = b.index.operate(rec->new_oid, &op); r2 < 0 && r2 != -EEXIST)
      return rados_error("create shard", rec->new_oid, r2);
  }
  BlockCut cut;
  auto moving = moving_entries(b, old, rec->lower, &cut);
  if (!moving) return moving.error();
  if (r == -ENOENT || attr(attrs, kStateXattr) == kSplitting) {
    r = batched(
        b, rec->new_oid, *moving, guard_new,
        [](librados::ObjectWriteOperation& op, const std::map<std::string, bufferlist>& batch) { op.omap_set(batch); });
    if (r < 0 && r != -ECANCELED) return rados_error("copy entries to", rec->new_oid, r);
  }
  if (auto s = failpoint(b, "copied"); !s) return s;
  // 3. The map.
  if (auto s = publish_map(b, old, *rec); !s) return s;
  if (auto s = failpoint(b, "mapped"); !s) return s;
  // 4. Stale maps fail on old from here.
  {
    librados::ObjectWriteOperation op;
    guard_old(op);
    op.setxattr(kGenXattr, to_bl(rec->gen));
    r = b.index.operate(old, &op);
    if (r == -ECANCELED) return {};  // finished meanwhile
    if (r < 0) return rados_error("advance generation of", old, r);
  }
  if (auto s = failpoint(b, "regen"); !s) return s;
  // 5. The moved entries leave old; first the cut block's lower part replaces it, in one
  // op, so old's keys below the bound list throughout.
  if (!cut.name.empty()) {
    librados::ObjectWriteOperation op;
    guard_old(op);
    int rv = 0;
    op.omap_cmp({{cut.name, {to_bl(cut.whole), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
    op.omap_rm_keys({cut.name});
    op.omap_set({{cut.low_name, to_bl(cut.low)}});
    r = b.index.operate(old, &op);
    if (r < 0 && r != -ECANCELED) return rados_error("cut a listing block of", old, r);
    if (r == -ECANCELED) return {};  // finished meanwhile (or the block already cut)
  }
  r = batched(b, old, *moving, guard_old,
              [](librados::ObjectWriteOperation& op, const std::map<std::string, bufferlist>& batch) {
                std::set<std::string> names;
                for (const auto& [name, value] : batch) names.insert(name);
                op.omap_rm_keys(names);
              });
  if (r == -ECANCELED) return {};
  if (r < 0) return rados_error("remove moved entries from", old, r);
  if (auto s = failpoint(b, "trimmed"); !s) return s;
  // 6. Both live.
  {
    librados::ObjectWriteOperation op;
    guard_new(op);
    op.setxattr(kStateXattr, to_bl(kLive));
    op.rmxattr(kSplitXattr);
    if (r = b.index.operate(rec->new_oid, &op); r < 0 && r != -ECANCELED)
      return rados_error("open shard", rec->new_oid, r);
  }
  librados::ObjectWriteOperation op;
  guard_old(op);
  op.setxattr(kStateXattr, to_bl(kLive));
  op.rmxattr(kSplitXattr);
  if (r = b.index.operate(old, &op); r < 0 && r != -ECANCELED) return rados_error("reopen shard", old, r);
  return {};
}

s3::Result<bool> split_shard(Backend& b, std::string_view bucket, const ShardRef& s) {
  auto m = b.shard_map(bucket);
  if (!m) return m.error();
  // The middle O key: the upper half of the keys moves.
  std::vector<std::string> keys;
  std::string after = "O";
  for (bool more = true; more;) {
    std::set<std::string> page;
    librados::ObjectReadOperation op;
    int rv = 0;
    op.omap_get_keys2(after, kBatch, &page, &more, &rv);
    if (int r = b.index.operate(s.oid, &op, nullptr); r < 0) return rados_error("read", s.oid, r);
    bool past = false;
    for (const auto& k : page) {
      if (k[0] != 'O') {
        past = true;
        break;
      }
      keys.push_back(k.substr(1));
    }
    if (past || page.empty()) break;
    after = *page.rbegin();
  }
  if (keys.size() < 2) return false;  // one key's versions: nothing to split between
  SplitRecord rec{(*m)->bucket_id, s.oid,   new_shard_oid((*m)->bucket_id), keys[keys.size() / 2], next_gen(s.gen),
                  s.gen,           now_ms()};
  const std::string raw = encode_record(rec);
  // 1. Freeze old, in one op that asserts it is live under the generation our map knows.
  librados::ObjectWriteOperation op;
  op.assert_exists();
  op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
  op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
  op.setxattr(kStateXattr, to_bl(kSplitting));
  op.setxattr(kSplitXattr, to_bl(raw));
  int r = b.index.operate(s.oid, &op);
  if (r == -ECANCELED || r == -ENOENT) return false;  // split, closing or gone meanwhile
  if (r < 0) return rados_error("start split of", s.oid, r);
  auto done = finish_split(b, s.oid, raw);
  b.forget_bucket(bucket);
  if (!done) return done.error();
  return true;
}

void note_commit(Backend& b, std::string_view bucket, const ShardRef& s, uint64_t commits) {
  if (auto m = b.shard_map(bucket); m && (*m)->packed) note_packed_commit(b, s, commits);
  if (b.cfg.split_entries == 0) return;
  const uint64_t every = std::max<uint64_t>(16, b.cfg.split_entries / 16);
  if (!b.count_commits(b.commits_since_count, s.oid, commits, every)) return;
  const bool taken = b.upkeep.post("split " + s.oid, [&b, bucket = std::string(bucket), s] {
    auto n = count_entries(b, s.oid);
    if (!n) {
      spdlog::warn("rados: counting the entries of {}: {}", s.oid, n.error().message);
      return;
    }
    if (*n < b.cfg.split_entries) return;
    if (auto done = split_shard(b, bucket, s); !done)
      spdlog::warn("rados: splitting {} ({} entries): {}", s.oid, *n, done.error().message);
  });
  if (!taken) b.uncount_commits(b.commits_since_count, s.oid, every);
}

void await_live(Backend& b, std::string_view bucket, const std::string& oid, const std::string& split_record,
                int attempt) {
  if (split_record.empty()) {  // closing: a DeleteBucket decides within a few ops
    backoff(attempt);
    return;
  }
  auto rec = decode_record(split_record);
  const int64_t deadline = (rec ? rec->started_ms : now_ms()) + b.cfg.split_timeout_ms;
  for (;;) {
    std::map<std::string, bufferlist> attrs;
    if (read_attrs(b, oid, attrs) < 0 || attr(attrs, kSplitXattr) != split_record) break;
    if (now_ms() >= deadline) {  // its splitter is gone: finish for it
      // The record names the old shard: oid may be the new one, created splitting.
      if (auto s = finish_split(b, rec && !rec->old_oid.empty() ? rec->old_oid : oid, split_record); !s)
        spdlog::warn("rados: finishing the split of {}: {}", oid, s.error().message);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  b.forget_bucket(bucket);
}

void settle(Backend& b, std::string_view bucket, const std::string& oid, int attempt) {
  std::map<std::string, bufferlist> attrs;
  if (read_attrs(b, oid, attrs) == 0 && attr(attrs, kStateXattr) == kSplitting)
    await_live(b, bucket, oid, attr(attrs, kSplitXattr), attempt);
  else
    backoff(attempt);
  b.forget_bucket(bucket);
}

}  // namespace silt::rados
