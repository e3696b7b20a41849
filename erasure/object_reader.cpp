#include "erasure/object_reader.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "erasure/segment_file.h"
#include "erasure/shard_file.h"
#include "object/cached_read.h"
#include "object/splice_source.h"

namespace silt {
namespace {

// Parts beyond this many in the requested range are opened when the read gets
// to them rather than up front, so a huge multipart GET does not hold
// (parts x drives) descriptors. Such late parts can fail to open if the object
// is deleted meanwhile; the read then fails instead of returning wrong bytes.
constexpr size_t kEagerParts = 32;

// One part of the object: its own data dir, its own stripes.
struct Segment {
  uint64_t start = 0;  // offset of the part's first byte in the object
  uint64_t size = 0;
  int number = 1;
  std::string data_id;
  std::vector<int> distribution;
  std::vector<SegmentRef> in_segments;  // a small object's shards (no data dir); else empty
  bool opened = false;
  std::vector<std::optional<ShardFileReader>> shards;  // index = shard
  std::vector<uint32_t> stripe_lens;                   // compressed: stored length of each stripe
  std::string first_error;
};

class ErasureObjectReader final : public ObjectReader, public SpliceSource {
 public:
  ErasureObjectReader(ErasureSet& set, Pool& pool, const ObjectRecord& rec, std::vector<Segment> segs, uint64_t offset,
                      uint64_t length)
      : set_(set),
        pool_(pool),
        compressed_(rec.layout.compression == "zstd"),
        name_(rec.info.bucket + "/" + rec.info.key),
        layout_(rec.layout),
        k_(static_cast<size_t>(rec.layout.k)),
        segs_(std::move(segs)),
        pos_(offset),
        end_(offset + length) {
    version_.bucket = rec.info.bucket;
    version_.key = rec.info.key;
    version_.version_id = rec.info.version_id;
  }

  // Opens seg's shard files; InternalError when fewer than k can be opened.
  s3::Status open_segment(Segment& seg) {
    const size_t total = static_cast<size_t>(layout_.k + layout_.m);
    seg.shards.resize(total);
    seg.opened = true;
    size_t opened = 0;
    for (size_t i = 0; i < total; ++i) {
      size_t drive = static_cast<size_t>(seg.distribution[i]);
      if (drive >= pool_.drives.size()) continue;
      ShardHeader h{static_cast<uint32_t>(i), static_cast<uint32_t>(layout_.k), static_cast<uint32_t>(layout_.m),
                    layout_.block_size, compressed_};
      auto r =
          seg.in_segments.empty()
              ? ShardFileReader::open(pool_.drives[drive].data_dir(seg.data_id) + "/" + part_file_name(seg.number), h)
              : open_segment_shard(set_.segments.fds(), pool_.drives[drive].root(), seg.in_segments[i], seg.data_id, h);
      if (!r) {
        if (seg.first_error.empty()) seg.first_error = r.error().message;
        degraded(drive, r.error().message);
        continue;
      }
      // Every shard carries the same CRC-checked table; the first good one will do.
      if (compressed_ && seg.stripe_lens.empty()) seg.stripe_lens = r->stripe_lens();
      seg.shards[i].emplace(std::move(*r));
      ++opened;
    }
    if (opened < k_)
      return s3::Error(s3::Code::InternalError, "cannot read " + name_ + " part " + std::to_string(seg.number) +
                                                    ": only " + std::to_string(opened) + " of " +
                                                    std::to_string(total) + " shards readable, need " +
                                                    std::to_string(k_) + " (" + seg.first_error + ")");
    return {};
  }

  // Opens up to max_parts parts overlapping [offset, offset+length).
  s3::Status open_range(uint64_t offset, uint64_t length, size_t max_parts) {
    size_t n = 0;
    for (Segment& seg : segs_) {
      if (n == max_parts) break;
      if (seg.size == 0 || seg.start + seg.size <= offset || seg.start >= offset + length) continue;
      if (auto s = open_segment(seg); !s) return s;
      ++n;
    }
    return {};
  }

  s3::Result<size_t> read(char* buf, size_t n) override {
    size_t done = 0;
    while (done < n && pos_ < end_) {
      while (seg_ < segs_.size() && pos_ >= segs_[seg_].start + segs_[seg_].size) ++seg_;
      if (seg_ == segs_.size()) break;  // unreachable: the range lies within the object
      Segment& seg = segs_[seg_];
      if (!seg.opened) {
        std::shared_lock lock(set_.data_mu);
        if (auto s = open_segment(seg); !s) return s.error();
      }
      const uint64_t rel = pos_ - seg.start;
      const uint64_t stripe = rel / layout_.block_size;
      if (rel == stripe * layout_.block_size) {
        if (size_t got = read_direct(seg, stripe, reinterpret_cast<uint8_t*>(buf + done), n - done); got > 0) {
          done += got;
          pos_ += got;
          continue;
        }
      }
      if (seg_ != loaded_seg_ || stripe != loaded_) {
        if (auto s = load_stripe(seg, stripe); !s) return s.error();
      }
      uint64_t in = rel - stripe * layout_.block_size;
      uint64_t avail = std::min<uint64_t>(stripe_len_ - in, end_ - pos_);
      size_t take = static_cast<size_t>(std::min<uint64_t>(avail, n - done));
      std::memcpy(buf + done, stripe_data_ + in, take);
      done += take;
      pos_ += take;
    }
    return done;
  }

  size_t splice(int pipe_fd, size_t n) override {
    const uint64_t start = pos_;
    const size_t start_seg = seg_;
    size_t done = 0;
    while (done < n && pos_ < end_) {
      while (seg_ < segs_.size() && pos_ >= segs_[seg_].start + segs_[seg_].size) ++seg_;
      if (seg_ == segs_.size()) break;
      Segment& seg = segs_[seg_];
      // A late part (see kEagerParts) is opened by read(), which reports failures.
      if (!seg.opened || compressed_ || !seg.in_segments.empty()) break;
      // Object bytes [s*B + i*L, s*B + (i+1)*L) are shard i's block of stripe s.
      const uint64_t rel = pos_ - seg.start;
      const uint64_t stripe = rel / layout_.block_size;
      const uint64_t len = std::min<uint64_t>(layout_.block_size, seg.size - stripe * layout_.block_size);
      const size_t block = static_cast<size_t>((len + k_ - 1) / k_);
      const uint64_t in = rel - stripe * layout_.block_size;
      const size_t i = static_cast<size_t>(in / block);
      const size_t from = static_cast<size_t>(in - i * block);
      const size_t take = static_cast<size_t>(
          std::min<uint64_t>({block - from, len - in, end_ - pos_, static_cast<uint64_t>(n - done)}));
      if (!seg.shards[i]) break;  // a degraded stripe: read() rebuilds it
      auto got = seg.shards[i]->splice_block(stripe, block, from, from + take, pipe_fd);
      if (!got) {
        // Damaged (or unmappable): nothing of this call may leave (the caller empties the
        // pipe). read() redoes these bytes, rebuilding the block and queueing the repair.
        pos_ = start;
        seg_ = start_seg;
        return 0;
      }
      done += *got;
      pos_ += *got;
      if (*got < take) break;  // the pipe is full
    }
    return done;
  }

 private:
  // A missing or damaged shard on a drive that is up: the client still gets its
  // bytes (rebuilt), and the version goes on the repair queue. Shards of offline
  // drives wait for the drive instead.
  // On a session thread (object/cached_read.h) nothing is queued (a queue write may wait
  // for the disk): the read counts as one that would wait, and the blocking pool redoes it.
  void degraded(size_t drive, const std::string& why) {
    if (cached_read::blocked()) return;  // a would-block, not damage
    if (drive >= pool_.drives.size() || !pool_.drives[drive].usable()) return;
    if (cached_read::refuse()) return;
    set_.queue_heal(version_, "read: " + why);
  }

  // A whole uncompressed stripe that the range and the caller's buffer both hold:
  // its data blocks are read straight into out, saving a copy through buf_. 0 when
  // that does not apply or a block is missing or damaged (load_stripe then reads
  // the stripe again and rebuilds it).
  size_t read_direct(Segment& seg, uint64_t stripe, uint8_t* out, size_t room) {
    if (compressed_) return 0;
    const uint64_t block_size = layout_.block_size;
    const uint64_t len = std::min<uint64_t>(block_size, seg.size - stripe * block_size);
    const size_t block = static_cast<size_t>((len + k_ - 1) / k_);
    if (len > end_ - pos_ || block * k_ > room) return 0;
    for (size_t i = 0; i < k_; ++i)
      if (!seg.shards[i] || !seg.shards[i]->read_block(stripe, block, out + i * block)) return 0;
    return static_cast<size_t>(len);
  }

  s3::Status load_stripe(Segment& seg, uint64_t stripe) {
    const size_t total = seg.shards.size();
    const uint64_t block_size = layout_.block_size;
    stripe_len_ = std::min<uint64_t>(block_size, seg.size - stripe * block_size);
    // Compressed stripes hold a frame (or the raw block) of stored bytes.
    uint64_t stored = stripe_len_;
    if (compressed_) {
      if (stripe >= seg.stripe_lens.size() || seg.stripe_lens[stripe] == 0 || seg.stripe_lens[stripe] > stripe_len_)
        return s3::Error(s3::Code::InternalError,
                         "cannot read " + name_ + ": stripe table does not cover stripe " + std::to_string(stripe));
      stored = seg.stripe_lens[stripe];
    }
    const size_t len = static_cast<size_t>((stored + k_ - 1) / k_);
    buf_.resize(len * total);  // block i at buf_[i*len]: data blocks are the stripe, back to back
    stripe_data_ = buf_.data();
    std::vector<uint8_t*> blocks(total);
    for (size_t i = 0; i < total; ++i) blocks[i] = buf_.data() + i * len;
    // Only the data blocks overlapping the requested range are needed (all of a
    // frame); with all of them good there is nothing to decode. Otherwise read
    // further shards (data before parity) until any k good ones can rebuild the stripe.
    const uint64_t start = seg.start + stripe * block_size;
    const uint64_t from = std::max(pos_, start) - start;
    const uint64_t to = std::min<uint64_t>(end_ - start, stripe_len_);
    const bool whole = stored != stripe_len_;
    const size_t first = whole ? 0 : static_cast<size_t>(from / len);
    const size_t last = whole ? k_ - 1 : static_cast<size_t>((to - 1) / len);
    std::vector<bool> good(total, false);
    std::vector<bool> tried(total, false);
    size_t ngood = 0;
    std::string err = seg.first_error;
    auto try_read = [&](size_t i) {
      tried[i] = true;
      if (!seg.shards[i]) return false;
      if (auto s = seg.shards[i]->read_block(stripe, len, blocks[i]); !s) {
        if (err.empty()) err = s.error().message;
        degraded(static_cast<size_t>(seg.distribution[i]), s.error().message);
        return false;
      }
      good[i] = true;
      ++ngood;
      return true;
    };
    loaded_seg_ = seg_;
    bool all_needed = true;
    for (size_t i = first; i <= last; ++i) all_needed = try_read(i) && all_needed;
    if (all_needed) return finish_stripe(stripe, stored);
    for (size_t i = 0; i < total && ngood < k_; ++i)
      if (!tried[i]) try_read(i);
    if (ngood < k_ || !pool_.codec.reconstruct(blocks.data(), good, len, /*data_only=*/true)) {
      loaded_ = kNone;
      std::string where = segs_.size() > 1 ? " part " + std::to_string(seg.number) : std::string();
      return s3::Error(s3::Code::InternalError, "cannot read " + name_ + where + ": stripe " + std::to_string(stripe) +
                                                    " has only " + std::to_string(ngood) + " good shards of " +
                                                    std::to_string(total) + ", need " + std::to_string(k_) + " (" +
                                                    err + ")");
    }
    return finish_stripe(stripe, stored);
  }

  // The stripe's data blocks are in buf_; a frame shorter than the stripe is
  // decompressed (only stripes the range touches ever are).
  s3::Status finish_stripe(uint64_t stripe, uint64_t stored) {
    if (stored != stripe_len_) {
      if (!dctx_) dctx_.reset(ZSTD_createDCtx());
      out_.resize(stripe_len_);
      size_t r = ZSTD_decompressDCtx(dctx_.get(), out_.data(), out_.size(), buf_.data(), stored);
      if (ZSTD_isError(r) || r != stripe_len_) {
        loaded_ = kNone;
        return s3::Error(s3::Code::InternalError, "cannot read " + name_ + ": stripe " + std::to_string(stripe) +
                                                      " does not decompress to its size");
      }
      stripe_data_ = out_.data();
    }
    loaded_ = stripe;
    return {};
  }

  struct FreeDCtx {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };

  static constexpr uint64_t kNone = ~uint64_t{0};
  ErasureSet& set_;
  Pool& pool_;
  bool compressed_;
  std::string name_;
  ObjectInfo version_;  // bucket, key and version id only
  ObjectLayout layout_;
  size_t k_;
  std::vector<Segment> segs_;
  size_t seg_ = 0;  // the segment holding pos_ (or before it)
  uint64_t pos_;
  uint64_t end_;
  std::vector<uint8_t> buf_;
  std::vector<uint8_t> out_;  // a decompressed stripe
  const uint8_t* stripe_data_ = nullptr;
  std::unique_ptr<ZSTD_DCtx, FreeDCtx> dctx_;
  size_t loaded_seg_ = ~size_t{0};
  uint64_t loaded_ = kNone;
  uint64_t stripe_len_ = 0;
};

}  // namespace

s3::Result<std::unique_ptr<ObjectReader>> open_object_reader(ErasureSet& set, const ObjectRecord& rec, uint64_t offset,
                                                             uint64_t length) {
  const ObjectLayout& l = rec.layout;
  Pool* pool = set.pool(l.pool);
  if (!pool)
    return s3::Error(s3::Code::InternalError,
                     "object " + rec.info.key + " lives in pool '" + l.pool + "', which is not configured");
  // The layout is the object's own (it may predate a change of parity), but the
  // codec must match it: reject what we cannot decode rather than misread it.
  if (l.k != pool->k() || l.m != pool->m())
    return s3::Error(s3::Code::InternalError, "object " + rec.info.key + " was written with " + std::to_string(l.k) +
                                                  "+" + std::to_string(l.m) + " shards; pool " + pool->name + " uses " +
                                                  std::to_string(pool->k()) + "+" + std::to_string(pool->m()));
  if (!l.compression.empty() && l.compression != "zstd")
    return s3::Error(s3::Code::InternalError, "object " + rec.info.key + " uses unknown compression " + l.compression);
  std::vector<Segment> segs;
  uint64_t at = 0;
  for (const auto& p : rec.parts) {
    Segment s;
    s.start = at;
    s.size = p.size;
    s.number = p.number;
    s.data_id = p.data_id;
    s.distribution = rec.distribution_of(p);
    if (!rec.multipart()) s.in_segments = l.segments;
    at += p.size;
    segs.push_back(std::move(s));
  }
  if (at != rec.info.size)
    return s3::Error(s3::Code::InternalError, "object " + rec.info.key + ": parts add up to " + std::to_string(at) +
                                                  " bytes, the record says " + std::to_string(rec.info.size));
  auto reader = std::make_unique<ErasureObjectReader>(set, *pool, rec, std::move(segs), offset, length);
  // Open the parts the range touches now (the caller holds data_mu), so later
  // removal of the data cannot hurt this reader.
  if (length > 0) {
    if (auto s = reader->open_range(offset, length, kEagerParts); !s) return s.error();
  }
  return std::unique_ptr<ObjectReader>(std::move(reader));
}

}  // namespace silt
