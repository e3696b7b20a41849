#include "erasure/object_writer.h"

#include <sys/stat.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "erasure/drive_meta.h"
#include "erasure/fs.h"
#include "erasure/group_sync.h"
#include "erasure/segment_file.h"
#include "erasure/segment_store.h"
#include "erasure/shard_file.h"
#include "util/hash.h"
#include "util/random_id.h"
#include "util/time.h"

namespace silt {
namespace {

class ErasureObjectWriter final : public ObjectWriter {
 public:
  ErasureObjectWriter(ErasureSet& set, Pool& pool, WriteTarget target, std::string data_id = random_hex_id())
      : set_(set),
        pool_(pool),
        target_(std::move(target)),
        data_id_(std::move(data_id)),
        distribution_(pool.distribution(data_id_)),
        shards_(pool.drives.size()),
        full_len_((pool.block_size + static_cast<uint32_t>(pool.k()) - 1) / static_cast<uint32_t>(pool.k())),
        md5_(Digest::Kind::MD5) {
    if (pool.compressed()) cctx_.reset(ZSTD_createCCtx());
  }

  ~ErasureObjectWriter() override {
    // Segment entries of an uncommitted object are dead space, never visible:
    // no record names them (docs/format.md, "Segment files").
    if (committed_ || small_limit_ > 0) return;
    // Uncommitted: nothing of ours may stay behind, wherever commit() got to.
    for (size_t i = 0; i < shards_.size(); ++i) {
      const Drive& d = drive_of(i);
      fs::remove_all(d.tmp_dir(data_id_));
      if (renamed_) fs::remove_all(d.data_dir(data_id_));
    }
  }

  // Objects of at most `limit` bytes are held in memory and, if they stay that
  // small, go to the drives' segment files at commit (commit_small); a larger
  // one opens its shard files when it outgrows the limit. The drives must be
  // there for a quorum now, as open_shards would require.
  s3::Status start_small(uint64_t limit) {
    size_t usable = 0;
    for (size_t i = 0; i < shards_.size(); ++i) usable += drive_of(i).usable() ? 1 : 0;
    if (static_cast<int>(usable) < pool_.write_quorum()) return open_shards();
    small_limit_ = limit;
    return {};
  }

  s3::Status open_shards() {
    for (size_t i = 0; i < shards_.size(); ++i) {
      const Drive& d = drive_of(i);
      if (!d.usable()) {
        note_failure(s3::Error(s3::Code::InternalError, "drive " + d.root() + " is offline: " + d.reason()));
        continue;
      }
      std::string dir = d.tmp_dir(data_id_);
      if (::mkdir(dir.c_str(), 0700) != 0) {
        // tmp/ (or the whole drive) was removed while we run: recreate it once.
        if (errno != ENOENT || !d.ensure_ready() || ::mkdir(dir.c_str(), 0700) != 0) {
          note_failure(fs::io_error("mkdir", dir));
          continue;
        }
      }
      ShardHeader h{static_cast<uint32_t>(i), static_cast<uint32_t>(pool_.k()), static_cast<uint32_t>(pool_.m()),
                    pool_.block_size, pool_.compressed()};
      auto w = ShardFileWriter::create(dir + "/" + part_file_name(target_.part_number), h);
      if (!w) {
        note_failure(w.error());
        continue;
      }
      shards_[i].emplace(std::move(*w));
    }
    return check_quorum("creating shard files");
  }

  s3::Status write(const char* data, size_t n) override {
    if (auto s = write_data(data, n); !s) return s;
    hash_md5(data, n);
    return {};
  }

  void hash_md5(const char* data, size_t n) override {
    if (!md5_done_) md5_.update(data, n);
  }

  s3::Status write_data(const char* data, size_t n) override {
    if (!error_.ok()) return error_;
    if (md5_done_) return s3::Error(s3::Code::InternalError, "ObjectWriter::write after md5_raw()");
    if (small_limit_ > 0) {
      if (small_.size() + n <= small_limit_) {
        small_.append(data, n);
        size_ += n;
        return {};
      }
      // Too big for a segment: write shard files like any object, from the start.
      small_limit_ = 0;
      size_ = 0;
      std::string held = std::move(small_);
      if (auto s = open_shards(); !s) return s;
      if (auto s = write_data(held.data(), held.size()); !s) return s;
    }
    size_ += n;
    // Whole stripes straight from the caller's buffer: no copy into stripe_.
    const size_t block = pool_.block_size;
    if (fill_ == 0 && block == stripe_capacity()) {
      while (n >= block) {
        if (auto s = encode_stripe(reinterpret_cast<const uint8_t*>(data), block); !s) return s;
        data += block;
        n -= block;
      }
    }
    while (n > 0) {
      size_t take = std::min(n, static_cast<size_t>(pool_.block_size) - fill_);
      // The stripe buffer grows with the data, so a small object never holds a whole block.
      if (stripe_.size() < fill_ + take)
        stripe_.resize(std::min(std::max(fill_ + take, 2 * stripe_.size()), stripe_capacity()));
      std::memcpy(stripe_.data() + fill_, data, take);
      fill_ += take;
      data += take;
      n -= take;
      if (fill_ == pool_.block_size) {
        if (auto s = flush_stripe(); !s) return s;
      }
    }
    return {};
  }

  uint64_t size() const override { return size_; }

  std::string md5_raw() override {
    if (!md5_done_) {
      md5_value_ = md5_.finish();
      md5_done_ = true;
    }
    return md5_value_;
  }

  s3::Result<ObjectInfo> commit(const ObjectMeta& meta) override {
    if (small_limit_ > 0) return commit_small(meta);
    if (auto s = finish_shards(); !s) return s.error();
    const std::string etag = hex_encode(md5_raw());
    ObjectRecord rec;
    UploadedPart part;
    std::string meta_json;
    if (target_.upload_id.empty()) {
      auto made = object_record(meta, etag);
      if (!made) return made.error();
      rec = std::move(*made);
      meta_json = encode_object_record(rec);
    } else {
      part = {target_.bucket, target_.key, target_.upload_id,
              PartInfo{target_.part_number, size_, etag, now_ms(), meta.checksums}, layout_of()};
      meta_json = encode_uploaded_part(part);
    }
    if (auto s = publish_all(meta_json); !s) return s.error();

    if (!target_.upload_id.empty()) return commit_part(part);
    return commit_record(std::move(rec));
  }

  // The record of this object version (not yet committed). Its vkey is the one
  // the commit will most likely keep, so meta.json names the version without a
  // second fsync round after the commit (docs/format.md).
  s3::Result<ObjectRecord> object_record(const ObjectMeta& meta, const std::string& etag) {
    ObjectRecord rec;
    rec.info.bucket = target_.bucket;
    rec.info.key = target_.key;
    rec.info.size = size_;
    rec.info.etag = etag;
    rec.info.mtime_ms = now_ms();
    rec.info.meta = meta;
    rec.layout = layout_of();
    rec.layout.stored = 0;
    rec.parts.push_back({1, size_, etag, data_id_, {}, {}, stored_});
    rec.info.stored_bytes = stored_;
    auto vkey = set_.index->provisional_version_key(target_.bucket, target_.key);
    if (!vkey) {
      error_ = vkey.error();
      return vkey.error();
    }
    rec.version_key = *vkey;
    rec.info.version_id = vkey->ends_with("0000000000000000") ? "null" : *vkey;
    return rec;
  }

  // A small object: every shard image, with the record beside it, appended to
  // its drive's open segment; one GroupSync per file system (shared with the
  // other writers of the moment) makes them durable; then the index commit
  // names where each shard went. Nothing is renamed or created per object.
  s3::Result<ObjectInfo> commit_small(const ObjectMeta& meta) {
    if (!error_.ok()) return error_.error();
    if (committed_) return s3::Error(s3::Code::InternalError, "ObjectWriter::commit called twice");
    std::vector<std::string> images = encode_small();
    stored_ = 0;
    for (const auto& im : images) stored_ += im.size();
    auto r = object_record(meta, hex_encode(md5_raw()));
    if (!r) return r.error();
    ObjectRecord rec = std::move(*r);
    const std::string meta_json = encode_object_record(rec);
    rec.layout.segments.assign(shards_.size(), SegmentRef{});
    small_alive_.assign(shards_.size(), false);
    std::vector<GroupSync*> syncs(shards_.size(), nullptr);
    // Until the commit below is done, the reclaimer must not take our entries for dead ones.
    PendingShards pending;
    for (size_t i = 0; i < shards_.size(); ++i) {
      const Drive& d = drive_of(i);
      if (!d.usable()) {
        note_failure(s3::Error(s3::Code::InternalError, "drive " + d.root() + " is offline: " + d.reason()));
        continue;
      }
      const std::string entry =
          encode_segment_entry(SegmentEntryKind::Shard, static_cast<uint32_t>(i), data_id_, images[i], meta_json);
      SegmentStore& store = set_.segments.store(d.root());
      auto placed = store.append(entry, /*pending=*/true);
      if (placed) pending.add(store, placed->segment);
      if (placed && !(syncs[i] = set_.syncs.of(d.root()))) placed = fs::io_error("open for syncfs", d.root());
      if (!placed) {
        note_failure(placed.error());
        continue;
      }
      rec.layout.segments[i] = {placed->segment, placed->offset, static_cast<uint32_t>(images[i].size())};
      small_alive_[i] = true;
    }
    wait_all_syncs(syncs, [&](size_t i, const s3::Error& e) {
      if (!small_alive_[i]) return;
      small_alive_[i] = false;
      rec.layout.segments[i] = {};
      note_failure(e);
    });
    // Should the commit fail (a condition, the bucket gone), the entries written
    // are marked dead, like the data dir another writer removes.
    ObjectRecord written = rec;
    if (auto s = check_quorum("appending to segments"); !s) {
      set_.remove_data(written);
      return s.error();
    }
    auto c = commit_record(std::move(rec));
    if (!c) set_.remove_data(written);
    return c;
  }

  // The shard images of the held object: each the bytes a part.1 file would hold.
  std::vector<std::string> encode_small() {
    const size_t k = static_cast<size_t>(pool_.k());
    const size_t m = static_cast<size_t>(pool_.m());
    std::vector<std::string> images(k + m);
    for (size_t i = 0; i < images.size(); ++i)
      images[i] = encode_shard_header(ShardHeader{static_cast<uint32_t>(i), static_cast<uint32_t>(k),
                                                  static_cast<uint32_t>(m), pool_.block_size, false});
    std::vector<uint8_t> stripe;
    for (size_t at = 0; at < small_.size(); at += pool_.block_size) {
      const size_t fill = std::min<size_t>(pool_.block_size, small_.size() - at);
      const size_t len = (fill + k - 1) / k;
      stripe.assign(len * (k + m), 0);
      std::memcpy(stripe.data(), small_.data() + at, fill);
      std::vector<const uint8_t*> data(k);
      std::vector<uint8_t*> parity(m);
      for (size_t i = 0; i < k; ++i) data[i] = stripe.data() + i * len;
      for (size_t j = 0; j < m; ++j) parity[j] = stripe.data() + (k + j) * len;
      pool_.codec.encode(data.data(), parity.data(), len);
      for (size_t i = 0; i < k + m; ++i) append_shard_block(images[i], stripe.data() + i * len, len);
    }
    return images;
  }

  // Commits a version whose data is durable on the drives, then frees what it
  // replaced and queues a repair when some drive missed its shard.
  s3::Result<ObjectInfo> commit_record(ObjectRecord rec) {
    const std::string published_vkey = rec.version_key;
    auto c = set_.index->commit_object(std::move(rec), target_.cond);
    // e.g. PreconditionFailed: the destructor frees a data dir; segment entries stay as
    // dead space, named by no record.
    if (!c) {
      error_ = c.error();
      return c.error();
    }
    committed_ = true;
    // Rare: a racing commit or a versioning change made the index pick another vkey.
    if (c->rec.version_key != published_vkey) (void)rewrite_drive_meta(set_, c->rec);
    for (const auto& old : c->replaced) set_.remove_data(old);
    if (size_t alive = alive_shards(); alive < shards_.size())
      set_.queue_heal(c->rec.info, "written with " + std::to_string(alive) + " of " + std::to_string(shards_.size()) +
                                       " shards (" + first_failure_ + ")");
    return std::move(c->rec.info);
  }

  // Relocation (write_relocated_part): publish with the caller's meta.json and
  // hand the data dir over to the caller instead of committing it.
  s3::Result<PartRecord> publish_only(const std::string& meta_json) {
    if (auto s = finish_shards(); !s) return s.error();
    if (auto s = publish_all(meta_json); !s) return s.error();
    committed_ = true;
    return PartRecord{target_.part_number, size_, hex_encode(md5_raw()), data_id_, distribution_, {}, stored_};
  }

  ObjectLayout layout_of() const {
    return ObjectLayout{
        pool_.k(), pool_.m(), pool_.block_size, data_id_, distribution_, pool_.name, pool_.compressed() ? "zstd" : "",
        stored_,   {}};
  }

 private:
  // Flushes the last stripe and ends every shard file (length table, close)
  // and measures what they hold. No fsync here: publish_all makes the shards
  // durable together with meta.json and the rename, with one GroupSync.
  s3::Status finish_shards() {
    if (!error_.ok()) return error_;
    if (committed_) return s3::Error(s3::Code::InternalError, "ObjectWriter::commit called twice");
    if (fill_ > 0)
      if (auto s = flush_stripe(); !s) return s;
    stored_ = 0;
    for (size_t i = 0; i < shards_.size(); ++i) {
      if (!shards_[i]) continue;
      s3::Status s;
      if (pool_.compressed()) s = shards_[i]->append_table(stripe_lens_);
      if (s) s = shards_[i]->finish(/*sync=*/false);
      if (!s) {
        shards_[i].reset();
        note_failure(s.error());
      } else {
        stored_ += shards_[i]->bytes();
      }
    }
    return check_quorum("writing shards");
  }

  // Per drive: put meta.json beside the shard, then move the whole directory
  // into data/ with one atomic rename. Then one syncfs per file system, shared
  // with the other writers committing at the same time (group commit), makes
  // shards, meta.json and renames durable before the caller commits the index.
  // Only cheap metadata calls happen per drive, so the drives go one after the
  // other on this thread.
  s3::Status publish_all(const std::string& meta_json) {
    renamed_ = true;  // from here on the destructor also cleans data/
    std::vector<GroupSync*> syncs(shards_.size(), nullptr);
    for (size_t i = 0; i < shards_.size(); ++i) {
      if (!shards_[i]) continue;
      s3::Status s = publish(drive_of(i), meta_json);
      if (s && !(syncs[i] = set_.syncs.of(drive_of(i).root()))) s = fs::io_error("open for syncfs", drive_of(i).root());
      if (!s) {
        shards_[i].reset();
        note_failure(s.error());
      }
    }
    wait_all_syncs(syncs, [&](size_t i, const s3::Error& e) {
      if (!shards_[i]) return;
      shards_[i].reset();
      note_failure(e);
    });
    return check_quorum("moving shards into place");
  }

  s3::Result<ObjectInfo> commit_part(const UploadedPart& part) {
    auto old = set_.index->put_part(part);
    if (!old) {  // NoSuchUpload: aborted or completed meanwhile; the destructor frees our data
      error_ = old.error();
      return old.error();
    }
    committed_ = true;
    if (old->has_value() && (*old)->layout.data_id != data_id_) set_.remove_data_ids({(*old)->layout.data_id});
    ObjectInfo info;
    info.bucket = part.bucket;
    info.key = part.key;
    info.size = part.info.size;
    info.etag = part.info.etag;
    info.mtime_ms = part.info.mtime_ms;
    info.meta.checksums = part.info.checksums;
    return info;
  }

  // k blocks of ceil(block_size / k): a full stripe with its padding.
  size_t stripe_capacity() const { return static_cast<size_t>(full_len_) * static_cast<size_t>(pool_.k()); }

  const Drive& drive_of(size_t shard) const { return pool_.drives[static_cast<size_t>(distribution_[shard])]; }

  void note_failure(const s3::Error& e) {
    if (first_failure_.empty()) first_failure_ = e.message;
    // fs::io_error carries strerror's text; ENOSPC is the one failure a retry cannot fix.
    if (e.message.find(std::strerror(ENOSPC)) != std::string::npos) ++no_space_;
  }

  size_t alive_shards() const {
    size_t alive = 0;
    if (small_limit_ > 0) return static_cast<size_t>(std::count(small_alive_.begin(), small_alive_.end(), true));
    for (const auto& s : shards_) alive += s ? 1 : 0;
    return alive;
  }

  // Too few drives took their shard. Full drives are a 500 that says so (a
  // retry will not help); drives that are offline or failing make a 503
  // SlowDown, which clients retry, since drives come back.
  s3::Status check_quorum(const char* stage) {
    const size_t alive = alive_shards();
    if (static_cast<int>(alive) >= pool_.write_quorum()) return {};
    const bool full = no_space_ > 0 && static_cast<int>(alive + no_space_) >= pool_.write_quorum();
    std::string msg = (full ? "drives are full: " : "write quorum lost: ") + std::string(stage) + " failed on " +
                      std::to_string(shards_.size() - alive) + " of " + std::to_string(shards_.size()) +
                      " drives, need " + std::to_string(pool_.write_quorum()) + " (first failure: " + first_failure_ +
                      ")";
    error_ = s3::Error(full ? s3::Code::InternalError : s3::Code::SlowDown, std::move(msg));
    return error_;
  }

  // Encodes the buffered stripe (fill_ bytes) and appends one block per shard.
  s3::Status flush_stripe() {
    const size_t k = static_cast<size_t>(pool_.k());
    if (stripe_.size() < (fill_ + k - 1) / k * k) stripe_.resize(stripe_capacity());  // room for the padding
    const size_t len = (fill_ + k - 1) / k;
    std::memset(stripe_.data() + fill_, 0, len * k - fill_);  // zero padding of the last block(s)
    auto s = encode_stripe(stripe_.data(), fill_);
    fill_ = 0;
    return s;
  }

  // Encodes the stripe in[0, fill) and appends one block per shard. in must hold
  // k * ceil(fill / k) bytes, the padding zeroed. Compressed pools encode the
  // stripe's zstd frame instead when it is smaller; the frame (or raw) length goes
  // into the shard files' length table.
  s3::Status encode_stripe(const uint8_t* in, size_t fill) {
    const size_t k = static_cast<size_t>(pool_.k());
    const uint8_t* src = in;
    size_t n = fill;
    if (cctx_ && fill > 1) {
      if (frame_.size() < stripe_capacity()) frame_.resize(stripe_capacity());
      size_t r = ZSTD_compressCCtx(cctx_.get(), frame_.data(), fill - 1, in, fill, pool_.zstd_level);
      if (!ZSTD_isError(r)) {  // an error here is "does not fit": incompressible, store raw
        std::memset(frame_.data() + r, 0, (r + k - 1) / k * k - r);  // zero padding of the frame
        src = frame_.data();
        n = r;
      }
    }
    if (cctx_) stripe_lens_.push_back(static_cast<uint32_t>(n));
    const size_t len = (n + k - 1) / k;
    if (parity_.size() < len * static_cast<size_t>(pool_.m())) parity_.resize(len * static_cast<size_t>(pool_.m()));
    std::vector<const uint8_t*> data(k);
    std::vector<uint8_t*> parity(static_cast<size_t>(pool_.m()));
    for (size_t i = 0; i < k; ++i) data[i] = src + i * len;
    for (size_t j = 0; j < parity.size(); ++j) parity[j] = parity_.data() + j * len;
    pool_.codec.encode(data.data(), parity.data(), len);
    for (size_t i = 0; i < shards_.size(); ++i) {
      if (!shards_[i]) continue;
      const uint8_t* block = i < k ? data[i] : parity[i - k];
      if (auto s = shards_[i]->append(block, len); !s) {
        shards_[i].reset();
        note_failure(s.error());
      }
    }
    return check_quorum("writing shards");
  }

  s3::Status publish(const Drive& d, const std::string& meta_json) {
    std::string tmp = d.tmp_dir(data_id_);
    if (auto s = fs::write_file(tmp + "/" + kMetaFile, meta_json); !s) return s;
    std::string parent = d.data_parent(data_id_);
    if (auto s = fs::make_dirs(parent); !s) return s;
    if (::rename(tmp.c_str(), d.data_dir(data_id_).c_str()) != 0) return fs::io_error("rename", tmp);
    return {};
  }

  struct FreeCCtx {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };

  ErasureSet& set_;
  Pool& pool_;
  WriteTarget target_;
  std::string data_id_;
  std::vector<int> distribution_;
  std::vector<std::optional<ShardFileWriter>> shards_;  // index = shard; empty = drive skipped
  uint32_t full_len_;
  std::vector<uint8_t> stripe_;  // k blocks back to back: block i = stripe_[i*len, (i+1)*len)
  std::vector<uint8_t> parity_;
  std::vector<uint8_t> frame_;  // compressed pools: the stripe's zstd frame
  std::unique_ptr<ZSTD_CCtx, FreeCCtx> cctx_;
  std::vector<uint32_t> stripe_lens_;
  uint64_t stored_ = 0;
  size_t no_space_ = 0;  // drives dropped because they are full
  size_t fill_ = 0;
  uint64_t size_ = 0;
  Digest md5_;
  bool md5_done_ = false;
  std::string md5_value_;
  std::string first_failure_;
  s3::Status error_;
  bool renamed_ = false;
  bool committed_ = false;
  uint64_t small_limit_ = 0;       // > 0: held in small_ for the segment files (start_small)
  std::string small_;              // the object so far, while it is small
  std::vector<bool> small_alive_;  // commit_small: the shards a segment took
};

}  // namespace

s3::Result<std::unique_ptr<ObjectWriter>> start_object_writer(ErasureSet& set, Pool& pool, WriteTarget target) {
  const bool small = set.inline_threshold > 0 && target.upload_id.empty() && !pool.compressed();
  auto w = std::make_unique<ErasureObjectWriter>(set, pool, std::move(target));
  if (auto s = small ? w->start_small(set.inline_threshold) : w->open_shards(); !s) return s.error();
  return std::unique_ptr<ObjectWriter>(std::move(w));
}

s3::Result<PartRecord> write_relocated_part(ErasureSet& set, Pool& pool, ObjectReader& src, uint64_t size,
                                            int part_number, const std::string& data_id, const std::string& meta_json,
                                            const std::function<void(uint64_t)>& before_chunk) {
  WriteTarget t;
  t.part_number = part_number;
  ErasureObjectWriter w(set, pool, std::move(t), data_id);
  if (auto s = w.open_shards(); !s) return s.error();
  std::vector<char> buf(1 << 20);
  for (uint64_t done = 0; done < size;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - done));
    if (before_chunk) before_chunk(want);
    auto n = src.read(buf.data(), want);
    if (!n) return n.error();
    if (*n == 0) return s3::Error(s3::Code::InternalError, "source ended early while relocating " + data_id);
    if (auto s = w.write(buf.data(), *n); !s) return s.error();
    done += *n;
  }
  return w.publish_only(meta_json);
}

}  // namespace silt
