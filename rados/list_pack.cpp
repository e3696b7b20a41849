#include "rados/list_pack.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>

#include "index/listing_header.h"
#include "index/object_record.h"
#include "rados/split.h"
#include "rados/versioning.h"

namespace silt::rados {

namespace {

// Deltas a compaction folds per op, and blocks it reads for them (the window's end is
// the nearer of the last of each, so both bound the op).
constexpr size_t kWindowDeltas = 1000;
constexpr size_t kWindowBlocks = 32;
// Commits to a shard of a packed bucket between two small compactions by this gateway (fewer
// for shards that split sooner: note_packed_commit).
constexpr uint64_t kCompactEvery = 256;
constexpr size_t kCompactWindows = 2;

std::string_view view(bufferlist& bl) {
  return {bl.c_str(), bl.length()};
}

// The entries of blocks, in name order; false (with the reason) for a corrupt block.
bool decode_blocks(std::map<std::string, bufferlist>& blocks, std::vector<BlockEntry>& out, s3::Error* corrupt) {
  std::vector<BlockEntry> one;
  for (auto& [name, value] : blocks) {
    if (auto s = decode_listing_block(view(value), std::string_view(name).substr(1), one); !s) {
      if (corrupt) *corrupt = s3::Error(s.error().code, s.error().message + " (" + name + ")");
      return false;
    }
    out.insert(out.end(), one.begin(), one.end());
  }
  // Blocks of a shard cover disjoint ranges, so this is sorted; a stray overlap must still
  // list each key once.
  auto less = [](const BlockEntry& a, const BlockEntry& b) { return a.key < b.key; };
  auto same = [](const BlockEntry& a, const BlockEntry& b) { return a.key == b.key; };
  if (std::adjacent_find(out.begin(), out.end(),
                         [](const BlockEntry& a, const BlockEntry& b) { return !(a.key < b.key); }) != out.end()) {
    std::stable_sort(out.begin(), out.end(), less);
    out.erase(std::unique(out.begin(), out.end(), same), out.end());
  }
  return true;
}

// The deltas as merge_listing takes them, by key: deltas holds one or more epochs, each
// sorted by key, older epochs first (their names sort so); of a key's deltas the newest.
std::vector<BlockEntry> delta_views(std::map<std::string, bufferlist>& deltas) {
  std::vector<BlockEntry> out;
  out.reserve(deltas.size());
  bool sorted = true;
  for (auto& [name, value] : deltas) {
    const std::string_view key = delta_key(name).value_or(std::string_view());
    if (!out.empty() && !(out.back().key < key)) sorted = false;
    out.push_back({key, view(value)});
  }
  if (sorted) return out;
  std::stable_sort(out.begin(), out.end(), [](const BlockEntry& a, const BlockEntry& b) { return a.key < b.key; });
  size_t n = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (n > 0 && out[n - 1].key == out[i].key)
      out[n - 1] = out[i];  // stable: the later is the newer epoch's
    else
      out[n++] = out[i];
  }
  out.resize(n);
  return out;
}

// merge_listing over the deltas as read; false, with the reason in *corrupt, for a corrupt delta.
bool merge_deltas(const std::vector<BlockEntry>& from_blocks, std::map<std::string, bufferlist>& deltas,
                  std::string_view after, const std::optional<std::string>& end, std::vector<BlockEntry>& out,
                  size_t* used, s3::Error* corrupt) {
  auto merged = merge_listing(from_blocks, delta_views(deltas), after, end, out);
  if (!merged) {
    if (corrupt) *corrupt = merged.error();
    return false;
  }
  *used = *merged;
  return true;
}

}  // namespace

std::string block_entry(std::string_view last_key) {
  std::string e(1, kBlockKind);
  e.append(last_key);
  return e;
}

void add_list_deltas(std::map<std::string, bufferlist>& set, const std::set<std::string>& rm, uint64_t epoch) {
  std::map<std::string, bufferlist> deltas;
  for (auto& [name, value] : set)
    if (!name.empty() && name[0] == 'O')
      deltas.emplace(delta_entry(epoch, std::string_view(name).substr(1)), to_bl(encode_listing_entry(view(value))));
  for (const auto& name : rm)
    if (!name.empty() && name[0] == 'O' && !set.count(name))
      deltas.emplace(delta_entry(epoch, std::string_view(name).substr(1)), to_bl(listing_tombstone()));
  set.merge(deltas);
}

void guard_list_epoch(librados::ObjectWriteOperation& op, uint64_t epoch) {
  op.cmpxattr(kListEpochXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(epoch_raw(epoch)));
}

namespace {

// The epochs in attrs, as b's hint for the shard; nullopt when corrupt.
std::optional<ListEpochs> note_epochs(Backend& b, const std::string& oid,
                                      const std::map<std::string, bufferlist>& attrs) {
  auto epochs = parse_list_epochs(attrs);
  if (!epochs) return std::nullopt;
  auto v = attrs.find(kVersioningXattr);
  b.note_shard(oid, {v == attrs.end() ? std::string() : v->second.to_str(), *epochs});
  return epochs;
}

}  // namespace

s3::Result<ListEpochs> read_list_epochs(Backend& b, const std::string& oid) {
  std::map<std::string, bufferlist> attrs;
  librados::ObjectReadOperation op;
  int rv = 0;
  op.getxattrs(&attrs, &rv);
  if (int r = b.index.operate(oid, &op, nullptr); r < 0) return rados_error("read", oid, r);
  auto epochs = note_epochs(b, oid, attrs);
  if (!epochs) return corrupt_epochs(oid);
  return *epochs;
}

std::string before_prefix(std::string_view prefix) {
  if (prefix.empty()) return {};
  std::string p(prefix.substr(0, prefix.size() - 1));
  const auto last = static_cast<unsigned char>(prefix.back());
  if (last == 0) return p;  // nothing sorts between p and p + "\0"
  p.push_back(static_cast<char>(last - 1));
  p.append(2 * kMaxKeyLength + 64, '\xff');  // past every key under p + (last - 1)
  return p;
}

int read_window(Backend& b, const ShardRef& s, const std::string& after, const std::string& block_after,
                const std::string& delta_prefix, size_t max_blocks, size_t max_deltas, PackedWindow& w,
                s3::Error* corrupt) {
  ListEpochs epochs;
  if (auto hint = b.shard_hint(s.oid)) epochs = hint->list;
  for (int attempt = 0;; ++attempt) {
    w.blocks.clear();
    w.deltas.clear();
    w.entries.clear();
    w.end.reset();
    w.delta_count = 0;
    librados::ObjectReadOperation op;
    std::map<std::string, bufferlist> attrs;
    int rv_attrs = 0, rv_blocks = 0;
    op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
    op.getxattrs(&attrs, &rv_attrs);
    op.omap_get_vals2(block_entry(block_after), std::string(1, kBlockKind), max_blocks, &w.blocks, &w.more_blocks,
                      &rv_blocks);
    // The epochs hinted: lfolded..lepoch, at most two (rados/list_epochs.h).
    const uint64_t first = epochs.folded;
    std::map<std::string, bufferlist> deltas[2];
    bool more[2] = {false, false};
    int rv[2] = {0, 0};
    for (uint64_t e = first; e <= epochs.current; ++e)
      op.omap_get_vals2(delta_entry(e, after), delta_entry(e, delta_prefix), max_deltas, &deltas[e - first],
                        &more[e - first], &rv[e - first]);
    if (int r = b.index.operate(s.oid, &op, nullptr); r < 0) return r;
    if (rv_attrs < 0) return rv_attrs;
    if (rv_blocks < 0) return rv_blocks;
    auto read = note_epochs(b, s.oid, attrs);
    if (!read) {
      if (corrupt) *corrupt = corrupt_epochs(s.oid);
      return -EIO;
    }
    if (*read != epochs) {  // a compaction closed or folded an epoch: read what is now live
      if (attempt + 1 >= kMaxAttempts) return -ECANCELED;
      epochs = *read;
      continue;
    }
    // What was read covers the keys up to the nearest of the last block and each epoch's
    // last delta read (when more followed them): blocks are disjoint and named by their
    // last key, so a key up to there is in a block read, and its deltas, if any, were read.
    if (w.more_blocks && !w.blocks.empty()) w.end = w.blocks.rbegin()->first.substr(1);
    for (size_t i = 0; i <= epochs.current - first; ++i) {
      if (rv[i] < 0) return rv[i];
      if (more[i] && !deltas[i].empty()) {
        std::string last(delta_key(deltas[i].rbegin()->first).value_or(std::string_view()));
        if (!w.end || last < *w.end) w.end = std::move(last);
      }
      w.deltas.merge(deltas[i]);
    }
    break;
  }
  std::vector<BlockEntry> from_blocks;
  from_blocks.reserve(w.blocks.size() * kBlockKeys);
  if (!decode_blocks(w.blocks, from_blocks, corrupt)) return -EIO;
  // Block entries outside the prefix are not the page's (deltas were filtered by the read).
  if (!delta_prefix.empty())
    std::erase_if(from_blocks, [&](const BlockEntry& e) { return !e.key.starts_with(delta_prefix); });
  w.entries.reserve(from_blocks.size() + w.deltas.size());
  if (!merge_deltas(from_blocks, w.deltas, after, w.end, w.entries, &w.delta_count, corrupt)) return -EIO;
  return 0;
}

namespace {

// One compaction op over the window of closed epoch `epoch` starting at its first delta
// after `after`. Sets *next to the window's end (nullopt: the epoch's end) and *folded;
// 0, -ECANCELED (lost a race: read again), -EAGAIN (the shard is not live), other errors.
int compact_window(Backend& b, const ShardRef& s, uint64_t epoch, const std::string& after,
                   std::optional<std::string>* next, size_t* folded, s3::Error* corrupt) {
  *folded = 0;
  std::map<std::string, bufferlist> deltas, blocks;
  bool more_deltas = false, more_blocks = false;
  {
    librados::ObjectReadOperation op;
    bufferlist state;
    int rv = 0, rv_state = 0;
    op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
    op.getxattr(kStateXattr, &state, &rv_state);
    op.omap_get_vals2(delta_entry(epoch, after), delta_scope(epoch), kWindowDeltas, &deltas, &more_deltas, &rv);
    if (int r = b.index.operate(s.oid, &op, nullptr); r < 0) return r;
    if (rv < 0) return rv;
    if (rv_state < 0 || state.to_str() != kLive) return -EAGAIN;
  }
  if (deltas.empty()) {
    next->reset();
    return 0;
  }
  auto key_of = [](const std::string& name) { return delta_key(name).value_or(std::string_view()); };
  const std::string first(key_of(deltas.begin()->first));
  // The same keys' deltas in the next epoch: a key that has one there lists from it, so its
  // delta here is dropped, not folded (which also clears a corrupt delta a later PUT
  // shadowed). The next epoch keeps them until this one is folded (rados/list_epochs.h).
  std::map<std::string, bufferlist> newer;
  {
    std::set<std::string> newer_names;
    for (const auto& [name, value] : deltas) newer_names.insert(delta_entry(epoch + 1, key_of(name)));
    // From the block holding the first delta's key (the first named at or after it).
    librados::ObjectReadOperation op;
    int rv = 0, rv_newer = 0;
    op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
    op.omap_get_vals2(block_entry(before_prefix(first)), std::string(1, kBlockKind), kWindowBlocks, &blocks,
                      &more_blocks, &rv);
    op.omap_get_vals_by_keys(newer_names, &newer, &rv_newer);
    if (int r = b.index.operate(s.oid, &op, nullptr); r < 0) return r;
    if (rv < 0) return rv;
    if (rv_newer < 0) return rv_newer;
  }
  std::optional<std::string> end;
  if (more_blocks && !blocks.empty()) end = blocks.rbegin()->first.substr(1);
  if (more_deltas) {
    std::string last(key_of(deltas.rbegin()->first));
    if (!end || last < *end) end = std::move(last);
  }
  // The window: the blocks named up to end, and the first named past it when it holds
  // keys up to end (its keys past end stay in a block of its name); the deltas up to end.
  std::map<std::string, std::pair<bufferlist, int>> cmp;
  std::set<std::string> rm;
  std::vector<BlockEntry> from_blocks, rest;
  std::string rest_name;
  for (auto& [name, value] : blocks) {
    const std::string_view last = std::string_view(name).substr(1);
    std::vector<BlockEntry> one;
    if (auto st = decode_listing_block(view(value), last, one); !st) {
      if (corrupt) *corrupt = s3::Error(st.error().code, st.error().message + " (" + name + ")");
      return -EIO;
    }
    if (end && last > *end) {
      if (one.front().key > *end) break;
      for (const auto& e : one) (e.key <= *end ? from_blocks : rest).push_back(e);
      rest_name = name;
    } else {
      from_blocks.insert(from_blocks.end(), one.begin(), one.end());
    }
    cmp.emplace(name, std::make_pair(value, LIBRADOS_CMPXATTR_OP_EQ));
    rm.insert(name);
    if (!rest_name.empty()) break;
  }
  std::map<std::string, bufferlist> window_deltas;
  for (auto& [name, value] : deltas) {
    if (end && key_of(name) > *end) break;
    cmp.emplace(name, std::make_pair(value, LIBRADOS_CMPXATTR_OP_EQ));
    rm.insert(name);
    if (!newer.count(delta_entry(epoch + 1, key_of(name)))) window_deltas.emplace(name, value);
  }
  std::vector<BlockEntry> merged;
  if (!merge_deltas(from_blocks, window_deltas, "", std::nullopt, merged, folded, corrupt)) return -EIO;
  // A key whose latest version is a delete marker is not listed: its block keeps nothing.
  std::erase_if(merged, [](const BlockEntry& e) { return encoded_is_delete_marker(e.entry); });
  std::map<std::string, bufferlist> set;
  for (size_t i = 0; i < merged.size(); i += kBlockKeys) {
    std::vector<BlockEntry> chunk(merged.begin() + i, merged.begin() + std::min(merged.size(), i + kBlockKeys));
    set.emplace(block_entry(chunk.back().key), to_bl(encode_listing_block(chunk)));
  }
  if (!rest.empty()) set.emplace(rest_name, to_bl(encode_listing_block(rest)));
  for (const auto& [name, value] : set) rm.erase(name);
  librados::ObjectWriteOperation op;
  int rv = 0;
  op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
  op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
  op.omap_cmp(cmp, &rv);
  if (!rm.empty()) op.omap_rm_keys(rm);
  if (!set.empty()) op.omap_set(set);
  if (int r = b.index.operate(s.oid, &op); r < 0) return r;
  *next = end;
  return 0;
}

// One epoch step in one op asserting the shard live under s's generation with epochs
// `from`: closes the current epoch (lepoch + 1) or records the closed one folded
// (lfolded + 1). -ECANCELED: another gateway's compaction or a split came first.
int advance_epochs(Backend& b, const ShardRef& s, const ListEpochs& from, bool close) {
  librados::ObjectWriteOperation op;
  op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
  op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
  op.cmpxattr(kListEpochXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(epoch_raw(from.current)));
  op.cmpxattr(kListFoldedXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(epoch_raw(from.folded)));
  if (close)
    op.setxattr(kListEpochXattr, to_bl(epoch_raw(from.current + 1)));
  else
    op.setxattr(kListFoldedXattr, to_bl(epoch_raw(from.folded + 1)));
  return b.index.operate(s.oid, &op);
}

// Whether epoch e of shard s has a delta.
s3::Result<bool> has_deltas(Backend& b, const ShardRef& s, uint64_t e) {
  std::map<std::string, bufferlist> one;
  bool more = false;
  int rv = 0;
  librados::ObjectReadOperation op;
  op.cmpxattr(kGenXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(s.gen));
  op.omap_get_vals2(delta_scope(e), delta_scope(e), 1, &one, &more, &rv);
  if (int r = b.index.operate(s.oid, &op, nullptr); r < 0) return rados_error("read listing deltas of", s.oid, r);
  return !one.empty();
}

}  // namespace

s3::Result<size_t> compact_shard(Backend& b, const ShardRef& s, size_t max_windows) {
  size_t total = 0, windows = 0;
  bool closed_one = false;
  std::optional<ListEpochs> epochs;  // as read, then as this call advanced them
  for (int lost = 0; windows < max_windows;) {
    if (!epochs) {
      std::map<std::string, bufferlist> attrs;
      librados::ObjectReadOperation op;
      int rv = 0;
      op.getxattrs(&attrs, &rv);
      if (int r = b.index.operate(s.oid, &op, nullptr); r == -ENOENT)
        return total;
      else if (r < 0)
        return rados_error("read", s.oid, r);
      auto state = attrs.find(kStateXattr);
      auto gen = attrs.find(kGenXattr);
      if (state == attrs.end() || state->second.to_str() != kLive ||
          (gen == attrs.end() ? std::string() : gen->second.to_str()) != s.gen)
        return total;  // not live, or split since: its owner decides
      epochs = note_epochs(b, s.oid, attrs);
      if (!epochs) return corrupt_epochs(s.oid);
    }
    int r = 0;
    const bool close = epochs->folded == epochs->current;
    if (close) {
      // Nothing closed: close the current epoch, unless it has nothing to fold. Once a
      // call: each close makes the commits in flight under the old epoch retry, so under
      // load the next one waits for the next call (the upkeep's, after more commits); a
      // call that may fold everything (SIZE_MAX: seeding, tests) goes on until it is.
      if (closed_one && max_windows != SIZE_MAX) break;
      auto any = has_deltas(b, s, epochs->current);
      if (!any) return any.error();
      if (!*any) break;
      r = advance_epochs(b, s, *epochs, true);
    } else {
      // Fold the closed epoch whole, window by window. Nothing writes into it any more, so
      // once a pass reaches its end it is empty (a racing compactor only removes deltas).
      std::string after;
      bool reached_end = false;
      while (windows < max_windows) {
        std::optional<std::string> next;
        size_t folded = 0;
        s3::Error corrupt;
        r = -ECANCELED;
        if (b.test_step) b.test_step("compact: fold window");
        for (int attempt = 0; r == -ECANCELED && attempt < kMaxAttempts; ++attempt) {
          if (attempt > 0) backoff(attempt);
          r = compact_window(b, s, epochs->folded, after, &next, &folded, &corrupt);
        }
        ++windows;
        if (r == -EAGAIN || r == -ENOENT) return total;  // not live, or gone: its owner decides
        if (r == -EIO) return corrupt;
        if (r == -ECANCELED) return contention("compacting listing deltas");
        if (r < 0) return rados_error("compact listing deltas of", s.oid, r);
        total += folded;
        if (!next) {
          reached_end = true;
          break;
        }
        after = *next;
      }
      if (!reached_end) break;
      r = advance_epochs(b, s, *epochs, false);
    }
    if (r == -ENOENT) break;
    if (r == -ECANCELED) {  // another gateway's compaction moved on, or a split: look again
      if (++lost >= kMaxAttempts) return contention("compacting listing deltas");
      backoff(lost);
      epochs.reset();
      continue;
    }
    if (r < 0) return rados_error("advance listing epochs of", s.oid, r);
    if (close) {
      ++epochs->current;
      closed_one = true;
    } else {
      ++epochs->folded;
    }
    // The gateway's own pages and commits go straight to the new epochs.
    if (auto hint = b.shard_hint(s.oid)) {
      hint->list = *epochs;
      b.note_shard(s.oid, *hint);
    }
  }
  return total;
}

void note_packed_commit(Backend& b, const ShardRef& s, uint64_t commits) {
  // A shard that splits sooner (a test's small split_entries) compacts sooner too.
  const uint64_t every =
      b.cfg.split_entries ? std::clamp<uint64_t>(b.cfg.split_entries / 16, 16, kCompactEvery) : kCompactEvery;
  if (!b.count_commits(b.commits_since_compact, s.oid, commits, every)) return;
  const bool taken = b.upkeep.post("compact " + s.oid, [&b, s] {
    if (auto done = compact_shard(b, s, kCompactWindows); !done)
      spdlog::warn("rados: compacting the listing deltas of {}: {}", s.oid, done.error().message);
  });
  if (!taken) b.uncount_commits(b.commits_since_compact, s.oid, every);
}

}  // namespace silt::rados
