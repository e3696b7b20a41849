#include "erasure/heal_object.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "erasure/fs.h"
#include "erasure/segment_file.h"
#include "erasure/segment_store.h"
#include "erasure/shard_file.h"
#include "util/random_id.h"

namespace silt {
namespace {

// Whether the index still names data_id for this version; the caller holds data_mu
// shared, so a removal cannot slip in between this check and its renames.
bool still_named(ErasureSet& set, const ObjectRecord& rec, const std::string& data_id) {
  auto cur = set.index->get_version(rec.info.bucket, rec.info.key, rec.info.version_id);
  if (!cur) return false;
  auto ids = data_ids_of(*cur);
  return std::find(ids.begin(), ids.end(), data_id) != ids.end();
}

// A delete marker's data dir holds only its meta.json, on every drive of the
// first pool (docs/format.md): missing copies are written again.
s3::Status heal_marker(ErasureSet& set, const ObjectRecord& rec, bool repair, HealReport& report) {
  const std::string& id = rec.layout.data_id;
  if (id.empty() || set.pools.empty()) return {};  // markers from before they had dirs
  const Pool& pool = *set.pools.front();
  std::optional<std::string> meta;
  std::vector<const Drive*> missing;
  for (const auto& d : pool.drives) {
    ++report.shards_checked;
    if (!d.usable()) {
      ++report.shards_unavailable;
      continue;
    }
    if (auto m = fs::read_file(d.data_dir(id) + "/" + kMetaFile)) {
      if (!meta) meta = std::move(*m);
      continue;
    }
    missing.push_back(&d);
    ++report.shards_bad;
    if (report.problem.empty())
      report.problem = rec.info.bucket + "/" + rec.info.key + ": delete marker missing on " + d.root();
  }
  if (missing.empty() || !repair) return {};
  if (!meta) meta = encode_object_record(rec);
  const std::string tmp_name = random_hex_id();
  for (const Drive* d : missing) {
    const std::string dir = d->tmp_dir(tmp_name);
    if (auto s = fs::make_dirs(dir); !s) return s;
    if (auto s = fs::write_file_synced(dir + "/" + kMetaFile, *meta); !s) return s;
  }
  std::shared_lock lock(set.data_mu);
  const bool named = still_named(set, rec, id);
  for (const Drive* d : missing) {
    const std::string from = d->tmp_dir(tmp_name);
    if (named && fs::make_dirs(d->data_parent(id)) && ::rename(from.c_str(), d->data_dir(id).c_str()) == 0 &&
        fs::fsync_dir(d->data_parent(id))) {
      ++report.shards_repaired;
    } else {
      fs::remove_all(from);
    }
  }
  report.gone = !named;
  return {};
}

// One part (one data dir) of the version, on the drives its distribution names.
class PartHealer {
 public:
  PartHealer(ErasureSet& set, const Pool& pool, const ObjectRecord& rec, const PartRecord& part, HealReport& report)
      : set_(set),
        pool_(pool),
        rec_(rec),
        part_(part),
        dist_(rec.distribution_of(part)),
        k_(static_cast<size_t>(rec.layout.k)),
        n_(static_cast<size_t>(rec.layout.k + rec.layout.m)),
        compressed_(rec.layout.compression == "zstd"),
        report_(report) {}

  s3::Status run(bool deep, bool repair) {
    if (dist_.size() != n_) return fail("distribution does not match k+m");
    shards_.resize(n_);
    state_.assign(n_, State::Good);
    for (size_t i = 0; i < n_; ++i) inspect(i, deep);
    size_t good = 0, bad = 0;
    for (State s : state_) {
      good += s == State::Good || s == State::NoMeta;
      bad += s == State::Bad || s == State::NoMeta;
    }
    if (bad == 0) return {};
    if (good < k_) {
      report_.lost = true;
      return {};
    }
    if (!repair) return {};
    return segments() ? rebuild_in_segments() : rebuild();
  }

 private:
  enum class State { Good, NoMeta, Bad, Unavailable };

  const Drive& drive(size_t shard) const { return pool_.drives[static_cast<size_t>(dist_[shard])]; }
  // A small object: its shards (and record copies) are segment file entries.
  bool segments() const { return rec_.layout.in_segments() && !rec_.multipart(); }
  std::string shard_path(size_t shard) const {
    return drive(shard).data_dir(part_.data_id) + "/" + part_file_name(part_.number);
  }
  ShardHeader header(size_t shard) const {
    return ShardHeader{static_cast<uint32_t>(shard), static_cast<uint32_t>(rec_.layout.k),
                       static_cast<uint32_t>(rec_.layout.m), rec_.layout.block_size, compressed_};
  }

  s3::Status fail(const std::string& why) {
    return s3::Error(s3::Code::InternalError,
                     rec_.info.bucket + "/" + rec_.info.key + " part " + std::to_string(part_.number) + ": " + why);
  }

  void note(size_t shard, State s, const std::string& why) {
    state_[shard] = s;
    if (s == State::Unavailable) {
      ++report_.shards_unavailable;
    } else {
      ++report_.shards_bad;
    }
    if (report_.problem.empty())
      report_.problem = rec_.info.bucket + "/" + rec_.info.key + " part " + std::to_string(part_.number) + " shard " +
                        std::to_string(shard) + " on " + drive(shard).root() + ": " + why;
  }

  uint64_t stripes() const {
    if (compressed_) return stripe_lens_.size();
    return (part_.size + rec_.layout.block_size - 1) / rec_.layout.block_size;
  }
  // Bytes of each shard's block in stripe s.
  size_t block_len(uint64_t s) const {
    uint64_t stored = compressed_ ? stripe_lens_[s]
                                  : std::min<uint64_t>(rec_.layout.block_size, part_.size - s * rec_.layout.block_size);
    return static_cast<size_t>((stored + k_ - 1) / k_);
  }

  void inspect(size_t i, bool deep) {
    ++report_.shards_checked;
    if (dist_[i] < 0 || static_cast<size_t>(dist_[i]) >= pool_.drives.size()) return note(i, State::Bad, "no drive");
    if (!drive(i).usable()) return note(i, State::Unavailable, "drive offline: " + drive(i).reason());
    auto r = segments() ? open_segment_shard(set_.segments.fds(), drive(i).root(), rec_.layout.segments[i],
                                             part_.data_id, header(i))
                        : ShardFileReader::open(shard_path(i), header(i));
    if (!r) return note(i, State::Bad, r.error().message);
    if (compressed_ && stripe_lens_.empty()) stripe_lens_ = r->stripe_lens();
    if (compressed_ && r->stripe_lens() != stripe_lens_) return note(i, State::Bad, "stripe table differs");
    if (deep) {
      std::vector<uint8_t> buf;
      for (uint64_t s = 0; s < stripes(); ++s) {
        size_t len = block_len(s);
        buf.resize(len);
        if (auto st = r->read_block(s, len, buf.data()); !st) return note(i, State::Bad, st.error().message);
        report_.bytes_verified += len;
      }
    }
    shards_[i].emplace(std::move(*r));
    if (segments()) return;  // the record copy sits in the same entry
    if (!fs::exists(drive(i).data_dir(part_.data_id) + "/" + kMetaFile)) note(i, State::NoMeta, "meta.json missing");
  }

  // meta.json as a good drive has it (the drives agree on it; the index need not
  // describe this data dir the same way, e.g. a multipart part's own record).
  std::optional<std::string> good_meta() const {
    for (size_t i = 0; i < n_; ++i) {
      if (state_[i] != State::Good) continue;
      auto m = fs::read_file(drive(i).data_dir(part_.data_id) + "/" + kMetaFile);
      if (m) return std::move(*m);
    }
    return std::nullopt;
  }

  s3::Status rebuild() {
    auto meta = good_meta();
    if (!meta) return fail("no good drive has meta.json");
    // New shard files in tmp/<random>/ of each drive to repair.
    const std::string tmp_name = random_hex_id();
    std::vector<size_t> targets;
    std::vector<std::optional<ShardFileWriter>> writers(n_);
    for (size_t i = 0; i < n_; ++i) {
      if (state_[i] != State::Bad) continue;
      const Drive& d = drive(i);
      std::string dir = d.tmp_dir(tmp_name);
      if (auto s = fs::make_dirs(dir); !s) return s;
      auto w = ShardFileWriter::create(dir + "/" + part_file_name(part_.number), header(i));
      if (!w) return w.error();
      writers[i].emplace(std::move(*w));
      targets.push_back(i);
    }
    Cleanup cleanup{this, tmp_name, targets};
    if (!targets.empty()) {
      std::vector<uint8_t> buf;
      std::vector<uint8_t*> blocks(n_);
      for (uint64_t s = 0; s < stripes(); ++s) {
        const size_t len = block_len(s);
        if (auto st = reconstruct_stripe(s, len, buf, blocks); !st) return st;
        for (size_t i : targets)
          if (auto st = writers[i]->append(blocks[i], len); !st) return st;
      }
      for (size_t i : targets) {
        if (compressed_)
          if (auto st = writers[i]->append_table(stripe_lens_); !st) return st;
        report_.bytes_written += writers[i]->bytes();
        if (auto st = writers[i]->finish(); !st) return st;
      }
    }
    for (size_t i = 0; i < n_; ++i) {
      if (state_[i] != State::Bad && state_[i] != State::NoMeta) continue;
      std::string dir = drive(i).tmp_dir(tmp_name);
      if (auto s = fs::make_dirs(dir); !s) return s;
      if (auto s = fs::write_file_synced(dir + "/" + kMetaFile, *meta); !s) return s;
      if (auto s = fs::fsync_dir(dir); !s) return s;
    }
    return publish(tmp_name);
  }

  // A small object: each bad shard's image is rebuilt in memory and appended,
  // with the current record beside it, to the open segment of its drive; once
  // durable, the index gets the new places in one guarded commit (an overwrite,
  // delete or other move of the shard that came first wins, and our entries
  // are dead space). The old entries are dead space from then on.
  s3::Status rebuild_in_segments() {
    std::vector<size_t> targets;
    std::vector<std::string> images(n_);
    for (size_t i = 0; i < n_; ++i) {
      if (state_[i] != State::Bad) continue;
      targets.push_back(i);
      images[i] = encode_shard_header(header(i));
    }
    std::vector<uint8_t> buf;
    std::vector<uint8_t*> blocks(n_);
    for (uint64_t s = 0; s < stripes(); ++s) {
      const size_t len = block_len(s);
      if (auto st = reconstruct_stripe(s, len, buf, blocks); !st) return st;
      for (size_t i : targets) append_shard_block(images[i], blocks[i], len);
    }
    ObjectRecord copy = rec_;
    copy.layout.segments.clear();  // the drives' copy never names places (docs/format.md)
    const std::string record = encode_object_record(copy);
    std::vector<std::pair<std::string, std::string>> entries;
    for (size_t i : targets)
      entries.emplace_back(drive(i).root(), encode_segment_entry(SegmentEntryKind::Shard, static_cast<uint32_t>(i),
                                                                 part_.data_id, images[i], record));
    PendingShards pending;  // until the commit below
    auto placed = append_durably(set_.segments, set_.syncs, entries, &pending);
    std::vector<std::pair<size_t, SegmentRef>> moves;
    s3::Status failed;  // a drive failing now: the shards it took are committed, the next pass retries it
    for (size_t t = 0; t < targets.size(); ++t) {
      if (!placed[t]) {
        if (failed) failed = placed[t].error();
        continue;
      }
      moves.emplace_back(targets[t], SegmentRef{placed[t]->segment, placed[t]->offset,
                                                static_cast<uint32_t>(images[targets[t]].size())});
      report_.bytes_written += images[targets[t]].size();
    }
    if (moves.empty()) return failed;
    if (auto s = set_.index->move_segments_if(rec_, moves); !s) {
      if (s.error().code != s3::Code::NoSuchKey) return s;
      report_.gone = true;
      return {};
    }
    report_.shards_repaired += moves.size();
    for (const auto& [i, to] : moves)
      if (rec_.layout.segments[i].length > 0)  // the old entry is dead space now
        set_.segments.store(drive(i).root()).add_dead(kSegmentEntryHeader + rec_.layout.segments[i].length);
    return failed;
  }

  // Fills blocks[i] (pointing into buf) with shard i's block of stripe s, len
  // bytes each, from k good shards: every shard, the bad ones rebuilt.
  s3::Status reconstruct_stripe(uint64_t s, size_t len, std::vector<uint8_t>& buf, std::vector<uint8_t*>& blocks) {
    buf.resize(len * n_);
    std::vector<bool> present(n_, false);
    size_t have = 0;
    for (size_t i = 0; i < n_; ++i) {
      blocks[i] = buf.data() + i * len;
      if (have == k_ || !shards_[i] || state_[i] == State::Bad) continue;
      if (shards_[i]->read_block(s, len, blocks[i])) {
        present[i] = true;
        ++have;
      }
    }
    if (have < k_ || !pool_.codec.reconstruct(blocks.data(), present, len, /*data_only=*/false)) {
      report_.lost = true;
      return fail("stripe " + std::to_string(s) + " has fewer than k good shards");
    }
    return {};
  }

  // Moves the rebuilt files into data/ while the index still names this data:
  // removal of replaced or deleted data takes data_mu exclusively, so it either
  // ran before our check (we see the data gone) or runs after us (and removes
  // what we put back too).
  s3::Status publish(const std::string& tmp_name) {
    std::shared_lock lock(set_.data_mu);
    if (!still_named(set_, rec_, part_.data_id)) {
      report_.gone = true;
      return {};
    }
    for (size_t i = 0; i < n_; ++i) {
      if (state_[i] != State::Bad && state_[i] != State::NoMeta) continue;
      const Drive& d = drive(i);
      const std::string from = d.tmp_dir(tmp_name);
      const std::string to = d.data_dir(part_.data_id);
      if (!fs::is_dir(to)) {
        if (auto s = fs::make_dirs(d.data_parent(part_.data_id)); !s) return s;
        if (::rename(from.c_str(), to.c_str()) != 0) return fs::io_error("rename", from);
        if (auto s = fs::fsync_dir(d.data_parent(part_.data_id)); !s) return s;
      } else {
        // Each file replaced atomically; a meta.json still there stays (it may be newer).
        const std::string part = part_file_name(part_.number);
        if (state_[i] == State::Bad && ::rename((from + "/" + part).c_str(), (to + "/" + part).c_str()) != 0)
          return fs::io_error("rename", from + "/" + part);
        if (!fs::exists(to + "/" + kMetaFile) &&
            ::rename((from + "/" + kMetaFile).c_str(), (to + "/" + kMetaFile).c_str()) != 0)
          return fs::io_error("rename", from + "/" + kMetaFile);
        if (auto s = fs::fsync_dir(to); !s) return s;
      }
      report_.shards_repaired += state_[i] == State::Bad ? 1 : 0;
    }
    return {};
  }

  // Removes what is left of tmp/<name>/ on every drive, however rebuild() ended.
  struct Cleanup {
    PartHealer* self;
    std::string name;
    std::vector<size_t> targets;
    ~Cleanup() {
      for (size_t i = 0; i < self->n_; ++i)
        if (self->state_[i] == State::Bad || self->state_[i] == State::NoMeta)
          fs::remove_all(self->drive(i).tmp_dir(name));
    }
  };

  ErasureSet& set_;
  const Pool& pool_;
  const ObjectRecord& rec_;
  const PartRecord& part_;
  std::vector<int> dist_;
  size_t k_;
  size_t n_;
  bool compressed_;
  HealReport& report_;
  std::vector<std::optional<ShardFileReader>> shards_;
  std::vector<State> state_;
  std::vector<uint32_t> stripe_lens_;
};

}  // namespace

s3::Result<HealReport> heal_version(ErasureSet& set, const ObjectRecord& rec, bool deep, bool repair) {
  HealReport report;
  if (rec.info.delete_marker) {
    if (auto s = heal_marker(set, rec, repair, report); !s) return s.error();
    return report;
  }
  const Pool* pool = set.pool(rec.layout.pool);
  if (!pool) return s3::Error(s3::Code::InternalError, "pool '" + rec.layout.pool + "' is not configured");
  if (rec.layout.k != pool->k() || rec.layout.m != pool->m())
    return s3::Error(s3::Code::InternalError, rec.info.key + ": layout does not match pool " + pool->name);
  for (const auto& part : rec.parts) {
    PartHealer h(set, *pool, rec, part, report);
    if (auto s = h.run(deep, repair); !s) return s.error();
    if (report.gone) break;
  }
  return report;
}

}  // namespace silt
