#include "rados/versioning.h"

#include <cerrno>
#include <charconv>
#include <map>

#include "rados/buckets.h"
#include "rados/split.h"

namespace silt::rados {

std::string versioning_name(Versioning v) {
  return v == Versioning::Enabled ? "Enabled" : v == Versioning::Suspended ? "Suspended" : "Unversioned";
}

Versioning versioning_from_name(std::string_view name) {
  return name == "Enabled"     ? Versioning::Enabled
         : name == "Suspended" ? Versioning::Suspended
                               : Versioning::Unversioned;
}

std::string encode_versioning(const VersioningState& v) {
  return std::to_string(v.epoch) + " " + versioning_name(v.state);
}

std::optional<VersioningState> decode_versioning(std::string_view raw) {
  if (raw.empty()) return VersioningState{};
  const size_t sp = raw.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  VersioningState v;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + sp, v.epoch);
  if (ec != std::errc() || end != raw.data() + sp) return std::nullopt;
  const std::string_view name = raw.substr(sp + 1);
  if (name != "Enabled" && name != "Suspended") return std::nullopt;
  v.state = versioning_from_name(name);
  return v;
}

namespace {

bool before(const VersioningState& a, const VersioningState& b) {
  return a.epoch != b.epoch ? a.epoch < b.epoch : versioning_name(a.state) < versioning_name(b.state);
}

}  // namespace

s3::Status set_versioning(Backend& b, std::string_view bucket, Versioning state) {
  if (state == Versioning::Unversioned)
    return s3::Error(s3::Code::InvalidArgument, "Versioning can only be Enabled or Suspended");
  std::optional<VersioningState> target;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = read_bucket(b, bucket);
    if (!cur) return cur.error();
    auto map = load_shard_map(b, cur->record.id);
    if (!map) return map.error();
    // 1. Every shard's state as it is; a splitting shard is waited for.
    std::vector<std::pair<std::string, std::string>> raws;  // oid, versioning xattr
    std::optional<VersioningState> newest;
    bool same = true, retry = false;
    for (const auto& range : map->ranges) {
      std::map<std::string, bufferlist> attrs;
      librados::ObjectReadOperation op;
      int rv = 0;
      op.getxattrs(&attrs, &rv);
      const int r = b.index.operate(range.shard.oid, &op, nullptr);
      if (r == -ENOENT) {  // deleted meanwhile (maybe re-created), or split: look again
        retry = true;
        break;
      }
      if (r < 0) return rados_error("read", range.shard.oid, r);
      auto get = [&](const char* name) { return attrs.count(name) ? attrs[name].to_str() : std::string(); };
      if (get(kStateXattr) == kSplitting) {
        await_live(b, bucket, range.shard.oid, get(kSplitXattr), attempt);
        retry = true;
        break;
      }
      auto v = decode_versioning(get(kVersioningXattr));
      if (!v)
        return s3::Error(s3::Code::InternalError, "rados: corrupt versioning state of bucket " + std::string(bucket));
      if (newest && (newest->epoch != v->epoch || newest->state != v->state)) same = false;
      if (!newest || before(*newest, *v)) newest = *v;
      raws.emplace_back(range.shard.oid, get(kVersioningXattr));
    }
    if (retry) {
      backoff(attempt);
      continue;
    }
    if (!target) {
      if (same && newest->state == state) {  // nothing to change; still make sure the record shows it
        target = *newest;
      } else {
        target = VersioningState{newest->epoch + 1, state};
      }
    }
    // A later change (another gateway's PutBucketVersioning) wins: help it along.
    if (before(*target, *newest)) target = *newest;
    // 2. Each shard behind takes the target in one compare-and-set: commits there
    // decided under the old state fail their assertion and decide again.
    const std::string value = encode_versioning(*target);
    int r = 0;
    for (const auto& [oid, raw] : raws) {
      if (raw == value) continue;
      librados::ObjectWriteOperation op;
      op.assert_exists();
      op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_NE, to_bl(kSplitting));
      op.cmpxattr(kVersioningXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(raw));
      op.setxattr(kVersioningXattr, to_bl(value));
      if (r = b.index.operate(oid, &op); r < 0) break;
    }
    if (r == -ECANCELED || r == -ENOENT) {
      backoff(attempt);
      continue;
    }
    if (r < 0) return rados_error("set versioning of bucket", bucket, r);
    // 3. Done when no split added a shard meanwhile (it copies the state it froze).
    auto again = load_shard_map(b, cur->record.id);
    if (!again) return again.error();
    if (again->gen != map->gen) continue;
    // 4. The record's copy, unless it already shows this epoch or a later one.
    return publish_versioning(b, bucket, target->epoch, target->state);
  }
  return contention("PutBucketVersioning");
}

}  // namespace silt::rados
