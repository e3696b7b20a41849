#include "erasure/object_reader.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "erasure/shard_file.h"

namespace silt {
namespace {

class ErasureObjectReader final : public ObjectReader {
 public:
  ErasureObjectReader(const ReedSolomon& codec, const ObjectRecord& rec, std::vector<std::optional<ShardFileReader>> shards,
                      std::string first_error, uint64_t offset, uint64_t length)
      : codec_(codec),
        name_(rec.info.bucket + "/" + rec.info.key),
        size_(rec.info.size),
        block_size_(rec.layout.block_size),
        k_(static_cast<size_t>(rec.layout.k)),
        shards_(std::move(shards)),
        first_error_(std::move(first_error)),
        pos_(offset),
        end_(offset + length) {}

  s3::Result<size_t> read(char* buf, size_t n) override {
    size_t done = 0;
    while (done < n && pos_ < end_) {
      uint64_t stripe = pos_ / block_size_;
      if (stripe != loaded_) {
        if (auto s = load_stripe(stripe); !s) return s.error();
      }
      uint64_t in = pos_ - stripe * block_size_;
      uint64_t avail = std::min<uint64_t>(stripe_len_ - in, end_ - pos_);
      size_t take = static_cast<size_t>(std::min<uint64_t>(avail, n - done));
      std::memcpy(buf + done, buf_.data() + in, take);
      done += take;
      pos_ += take;
    }
    return done;
  }

 private:
  s3::Status load_stripe(uint64_t stripe) {
    const size_t total = shards_.size();
    stripe_len_ = std::min<uint64_t>(block_size_, size_ - stripe * block_size_);
    const size_t len = static_cast<size_t>((stripe_len_ + k_ - 1) / k_);
    buf_.resize(len * total);  // block i at buf_[i*len]: data blocks are the stripe, back to back
    std::vector<uint8_t*> blocks(total);
    for (size_t i = 0; i < total; ++i) blocks[i] = buf_.data() + i * len;
    // Only the data blocks overlapping the requested range are needed; with all
    // of them good there is nothing to decode. Otherwise read further shards
    // (data before parity) until any k good ones can rebuild the stripe.
    const uint64_t start = stripe * block_size_;
    const uint64_t from = std::max(pos_, start) - start;
    const uint64_t to = std::min<uint64_t>(end_ - start, stripe_len_);
    const size_t first = static_cast<size_t>(from / len);
    const size_t last = static_cast<size_t>((to - 1) / len);
    std::vector<bool> good(total, false);
    std::vector<bool> tried(total, false);
    size_t ngood = 0;
    std::string err = first_error_;
    auto try_read = [&](size_t i) {
      tried[i] = true;
      if (!shards_[i]) return false;
      if (auto s = shards_[i]->read_block(stripe, len, blocks[i]); !s) {
        if (err.empty()) err = s.error().message;
        return false;
      }
      good[i] = true;
      ++ngood;
      return true;
    };
    bool all_needed = true;
    for (size_t i = first; i <= last; ++i) all_needed = try_read(i) && all_needed;
    if (all_needed) {
      loaded_ = stripe;
      return {};
    }
    for (size_t i = 0; i < total && ngood < k_; ++i)
      if (!tried[i]) try_read(i);
    if (ngood < k_ || !codec_.reconstruct(blocks.data(), good, len, /*data_only=*/true)) {
      loaded_ = kNone;
      return s3::Error(s3::Code::InternalError, "cannot read " + name_ + ": stripe " + std::to_string(stripe) +
                                                    " has only " + std::to_string(ngood) + " good shards of " +
                                                    std::to_string(total) + ", need " + std::to_string(k_) + " (" +
                                                    err + ")");
    }
    loaded_ = stripe;
    return {};
  }

  static constexpr uint64_t kNone = ~uint64_t{0};
  const ReedSolomon& codec_;
  std::string name_;
  uint64_t size_;
  uint64_t block_size_;
  size_t k_;
  std::vector<std::optional<ShardFileReader>> shards_;
  std::string first_error_;
  uint64_t pos_;
  uint64_t end_;
  std::vector<uint8_t> buf_;
  uint64_t loaded_ = kNone;
  uint64_t stripe_len_ = 0;
};

}  // namespace

s3::Result<std::unique_ptr<ObjectReader>> open_object_reader(const ErasureSet& set, const ObjectRecord& rec,
                                                             uint64_t offset, uint64_t length) {
  const ObjectLayout& l = rec.layout;
  const size_t total = static_cast<size_t>(l.k + l.m);
  // The layout is the object's own (it may predate a change of parity), but the
  // codec must match it: reject what we cannot decode rather than misread it.
  if (l.k != set.k() || l.m != set.m())
    return s3::Error(s3::Code::InternalError, "object " + rec.info.key + " was written with " + std::to_string(l.k) +
                                                  "+" + std::to_string(l.m) + " shards; this set uses " +
                                                  std::to_string(set.k()) + "+" + std::to_string(set.m()));
  std::vector<std::optional<ShardFileReader>> shards(total);
  std::string first_error;
  size_t opened = 0;
  if (length > 0) {
    for (size_t i = 0; i < total; ++i) {
      size_t drive = static_cast<size_t>(l.distribution[i]);
      if (drive >= set.drives.size()) continue;
      std::string path = set.drives[drive].data_dir(l.data_id) + "/" + part_file_name(1);
      ShardHeader h{static_cast<uint32_t>(i), static_cast<uint32_t>(l.k), static_cast<uint32_t>(l.m), l.block_size};
      auto r = ShardFileReader::open(path, h);
      if (!r) {
        if (first_error.empty()) first_error = r.error().message;
        continue;
      }
      shards[i].emplace(std::move(*r));
      ++opened;
    }
    if (opened < static_cast<size_t>(l.k))
      return s3::Error(s3::Code::InternalError, "cannot read " + rec.info.bucket + "/" + rec.info.key + ": only " +
                                                    std::to_string(opened) + " of " + std::to_string(total) +
                                                    " shards readable, need " + std::to_string(l.k) + " (" +
                                                    first_error + ")");
  }
  return std::unique_ptr<ObjectReader>(
      std::make_unique<ErasureObjectReader>(set.codec, rec, std::move(shards), std::move(first_error), offset, length));
}

}  // namespace silt
