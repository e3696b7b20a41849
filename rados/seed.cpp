#include "rados/seed.h"

#include <algorithm>
#include <cerrno>
#include <map>

#include "index/keys.h"
#include "index/listing_header.h"
#include "index/object_record.h"
#include "rados/list_pack.h"
#include "rados/split.h"
#include "util/time.h"

namespace silt::rados {

namespace {

// The record a PUT of an empty object commits in an unversioned bucket.
ObjectRecord empty_object(std::string_view bucket, const std::string& key, int64_t now) {
  ObjectRecord rec;
  rec.info.bucket = std::string(bucket);
  rec.info.key = key;
  rec.info.etag = "d41d8cd98f00b204e9800998ecf8427e";  // MD5 of nothing
  rec.info.mtime_ms = now;
  rec.info.version_id = "null";
  rec.info.is_latest = true;
  rec.version_key = keys::version_key_after("", static_cast<uint64_t>(now) * 1000, true);
  rec.layout = ObjectLayout{1, 0, 0, random_id(), identity_distribution(1), "", "", 0};
  rec.parts.push_back({1, 0, rec.info.etag, rec.layout.data_id, {}, {}, 0});
  return rec;
}

}  // namespace

s3::Status seed_empty_objects(Backend& b, std::string_view bucket, const std::vector<std::string>& keys, size_t batch) {
  batch = std::clamp<size_t>(batch, 1, 340);
  size_t i = 0;
  for (int attempt = 0; i < keys.size();) {
    auto map = b.shard_map(bucket);
    if (!map) return map.error();
    const size_t idx = (*map)->index_of(keys[i]);
    const ShardRef shard = (*map)->ranges[idx].shard;
    const std::string upper = idx + 1 < (*map)->ranges.size() ? (*map)->ranges[idx + 1].lower : std::string();
    std::map<std::string, bufferlist> set;
    const int64_t now = now_ms();
    size_t end = i;
    for (; end < keys.size() && end - i < batch && (upper.empty() || keys[end] < upper); ++end) {
      const ObjectRecord rec = empty_object(bucket, keys[end], now);
      const std::string value = encode_index_record(rec);
      set.emplace(object_entry(keys[end]), to_bl(value));
      set.emplace(version_entry(keys[end], rec.version_key), to_bl(value));
    }
    // A packed bucket gets what a PUT writes there: the deltas (folded into blocks below).
    uint64_t epoch = 0;
    if ((*map)->packed) {
      auto epochs = read_list_epochs(b, shard.oid);
      if (!epochs) return epochs.error();
      epoch = epochs->current;
      add_list_deltas(set, {}, epoch);
    }
    librados::ObjectWriteOperation op;
    guard_shard(op, shard);
    guard_list_epoch(op, epoch);
    op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
    op.omap_set(set);
    const int r = b.index.operate(shard.oid, &op);
    if (r == -ECANCELED) {  // the shard splits or split: look again
      if (++attempt > kMaxAttempts * 16) return contention("seeding");
      settle(b, bucket, shard.oid, attempt % 20);
      continue;
    }
    if (r < 0) return rados_error("seed", shard.oid, r);
    attempt = 0;
    note_commit(b, bucket, shard, end - i);
    // Splits as the seeding goes, as before the upkeep worker: a seeder outruns any
    // worker, and a shard it overfills only splits later, in one long step.
    b.upkeep.drain();
    i = end;
  }
  // Every delta folded into blocks, as the gateways' compactions would in time: the
  // listings of a seeded bucket read blocks at once.
  auto map = b.shard_map(bucket);
  if (!map) return map.error();
  if ((*map)->packed)
    for (const auto& range : (*map)->ranges)
      if (auto folded = compact_shard(b, range.shard, SIZE_MAX); !folded) return folded.error();
  return {};
}

}  // namespace silt::rados
