#include "lifecycle/usage.h"

#include <zstd.h>

#include <map>

#include "lifecycle/evaluate.h"
#include "lifecycle/rules.h"
#include "lifecycle/version_walk.h"
#include "util/time.h"

namespace silt::lifecycle {

ClassUsage& ClassUsage::operator+=(const ClassUsage& o) {
  if (storage_class.empty()) storage_class = o.storage_class;
  if (pool.empty()) pool = o.pool;
  objects += o.objects;
  logical_bytes += o.logical_bytes;
  stored_bytes += o.stored_bytes;
  monthly_cost += o.monthly_cost;
  inline_objects += o.inline_objects;
  inline_bytes += o.inline_bytes;
  return *this;
}

namespace {

const PoolInfo* pool_of_class(const std::vector<PoolInfo>& pools, const std::string& cls) {
  for (const auto& p : pools)
    for (const auto& c : p.storage_classes)
      if (c == cls) return &p;
  return nullptr;
}

// Sums per storage class, priced by the class's pool.
class Tally {
 public:
  explicit Tally(const std::vector<PoolInfo>& pools) : pools_(pools) {}
  void add(const std::string& cls, uint64_t logical, uint64_t stored, bool in_index = false) {
    ClassUsage& c = by_class_[cls];
    c.storage_class = cls;
    ++c.objects;
    c.logical_bytes += logical;
    c.stored_bytes += stored;
    if (in_index) {
      ++c.inline_objects;
      c.inline_bytes += stored;
    }
  }
  std::vector<ClassUsage> result() const {
    std::vector<ClassUsage> out;
    for (auto [cls, c] : by_class_) {
      const PoolInfo* p = pool_of_class(pools_, cls);
      c.pool = p ? p->name : "";
      c.monthly_cost = monthly_cost(c.stored_bytes, p ? p->price_per_tb_month : 0);
      out.push_back(std::move(c));
    }
    return out;
  }

 private:
  const std::vector<PoolInfo>& pools_;
  std::map<std::string, ClassUsage> by_class_;
};

// Estimates what objects moving into a pool will occupy there: shard overhead
// exactly, compression from samples (first block of up to kSamples objects,
// compressed at the pool's level).
class StoredEstimate {
 public:
  StoredEstimate(ObjectLayer& objects) : objects_(objects) {}

  uint64_t estimate(const PoolInfo& pool, const ObjectInfo& v) {
    double ratio = 1.0;
    if (pool.zstd_level > 0) {
      Sample& s = samples_[pool.name];
      if (s.count < kSamples && v.size > 0) take_sample(pool, v, s);
      if (s.raw > 0) ratio = static_cast<double>(s.compressed) / static_cast<double>(s.raw);
    }
    const uint64_t stripes = v.size == 0 ? 0 : (v.size + pool.block_size - 1) / pool.block_size;
    const double shard_bytes = static_cast<double>(v.size) * ratio / pool.k;
    const double per_shard = 32 + shard_bytes + 4.0 * static_cast<double>(stripes) +
                             (pool.zstd_level > 0 ? 20 + 4.0 * static_cast<double>(stripes) : 0);
    return static_cast<uint64_t>(per_shard * (pool.k + pool.m));
  }

 private:
  static constexpr int kSamples = 8;
  struct Sample {
    int count = 0;
    uint64_t raw = 0;
    uint64_t compressed = 0;
  };

  void take_sample(const PoolInfo& pool, const ObjectInfo& v, Sample& s) {
    ++s.count;
    const uint64_t n = std::min<uint64_t>(v.size, pool.block_size);
    auto r = objects_.open_object(v, 0, n);
    if (!r) return;
    std::string buf(n, '\0');
    size_t got = 0;
    while (got < n) {
      auto k = (*r)->read(buf.data() + got, n - got);
      if (!k || *k == 0) return;
      got += *k;
    }
    std::string out(ZSTD_compressBound(n), '\0');
    size_t c = ZSTD_compress(out.data(), out.size(), buf.data(), n, pool.zstd_level);
    if (ZSTD_isError(c)) return;
    s.raw += n;
    s.compressed += std::min<uint64_t>(c, n);  // incompressible blocks are stored raw
  }

  ObjectLayer& objects_;
  std::map<std::string, Sample> samples_;
};

}  // namespace

double monthly_cost(uint64_t stored_bytes, double price_per_tb_month) {
  return static_cast<double>(stored_bytes) / 1e12 * price_per_tb_month;
}

s3::Result<std::vector<BucketUsage>> measure_usage(ObjectLayer& objects, const std::string& bucket,
                                                   uint64_t inline_limit) {
  auto buckets = objects.list_buckets();
  if (!buckets) return buckets.error();
  if (!bucket.empty()) {
    if (auto b = objects.head_bucket(bucket); !b) return b.error();
  }
  const auto pools = objects.pools();
  std::vector<BucketUsage> out;
  for (const auto& b : *buckets) {
    if (!bucket.empty() && b.name != bucket) continue;
    Tally tally(pools);
    auto walked = walk_versions(
        objects, b.name, b.versioning != Versioning::Unversioned, {}, [&](const ObjectInfo& v, const ObjectState& s) {
          if (!v.delete_marker)
            tally.add(s.storage_class, s.size, v.stored_bytes, v.parts.empty() && v.size <= inline_limit);
          return true;
        });
    if (!walked) return walked.error();
    out.push_back({b.name, tally.result()});
  }
  return out;
}

s3::Result<Simulation> simulate(ObjectLayer& objects, const std::string& bucket, const std::vector<int>& days,
                                int64_t day_ms, std::optional<std::string_view> proposed) {
  auto info = objects.head_bucket(bucket);
  if (!info) return info.error();
  std::string text;
  if (proposed) {
    text = std::string(*proposed);
  } else {
    auto doc = objects.get_bucket_config(bucket, "lifecycle");
    if (!doc) return doc.error();
    if (!*doc) return s3::Error(s3::Code::NoSuchLifecycleConfiguration, "The lifecycle configuration does not exist");
    text = std::move(**doc);
  }
  auto config = parse_configuration(text, [&](std::string_view c) { return objects.has_storage_class(c); });
  if (!config) return config.error();
  const bool versioned = info->versioning != Versioning::Unversioned;
  const auto pools = objects.pools();
  const int64_t now = now_ms();

  auto current = measure_usage(objects, bucket);
  if (!current) return current.error();
  Simulation out;
  out.bucket = bucket;
  if (!current->empty()) out.now = current->front().classes;

  StoredEstimate estimate(objects);
  for (int d : days) {
    const int64_t at = now + static_cast<int64_t>(d) * day_ms;
    Tally tally(pools);
    uint64_t expired = 0, expired_bytes = 0, moved = 0, moved_bytes = 0;
    auto walked = walk_versions(objects, bucket, versioned, {}, [&](const ObjectInfo& v, const ObjectState& s) {
      if (v.delete_marker) return true;
      Action a = evaluate(*config, s, at, day_ms);
      if (a.kind == ActionKind::Expire && versioned) {
        // Hidden under a delete marker, the version is noncurrent from then on:
        // the noncurrent rules may remove or move it before the horizon.
        ObjectState later = s;
        later.is_latest = false;
        auto exp = expiration_of(*config, s, day_ms);
        later.noncurrent_since_ms = exp ? exp->date_ms : at;
        later.newer_noncurrent = 0;
        a = evaluate(*config, later, at, day_ms);
      }
      if (a.kind == ActionKind::Expire || a.kind == ActionKind::DeleteVersion) {
        ++expired;
        expired_bytes += s.size;
        return true;
      }
      if (a.kind == ActionKind::Transition) {
        if (const PoolInfo* p = pool_of_class(pools, a.storage_class)) {
          ++moved;
          moved_bytes += s.size;
          tally.add(a.storage_class, s.size, estimate.estimate(*p, v));
          return true;
        }
      }
      tally.add(s.storage_class, s.size, v.stored_bytes);
      return true;
    });
    if (!walked) return walked.error();
    out.horizons.push_back({d, tally.result(), expired, expired_bytes, moved, moved_bytes});
  }
  return out;
}

}  // namespace silt::lifecycle
