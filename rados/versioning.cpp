#include "rados/versioning.h"

#include <cerrno>
#include <charconv>
#include <map>

#include "rados/buckets.h"

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

// The shard's versioning xattr as stored ("" when absent); -ENOENT when the shard is gone.
int read_shard_versioning(Backend& b, const std::string& oid, std::string& raw) {
  librados::ObjectReadOperation op;
  std::map<std::string, bufferlist> attrs;
  int rv = 0;
  op.getxattrs(&attrs, &rv);
  if (int r = b.index.operate(oid, &op, nullptr); r < 0) return r;
  auto it = attrs.find(kVersioningXattr);
  raw = it == attrs.end() ? std::string() : it->second.to_str();
  return 0;
}

}  // namespace

s3::Status set_versioning(Backend& b, std::string_view bucket, Versioning state) {
  if (state == Versioning::Unversioned)
    return s3::Error(s3::Code::InvalidArgument, "Versioning can only be Enabled or Suspended");
  std::optional<VersioningState> done;
  // 1. The shard: the change takes effect for commits here, in one compare-and-set.
  for (int attempt = 0; attempt < kMaxAttempts && !done; ++attempt) {
    auto cur = read_bucket(b, bucket);
    if (!cur) return cur.error();
    const std::string oid = shard_oid(cur->record.id);
    std::string raw;
    int r = read_shard_versioning(b, oid, raw);
    if (r == -ENOENT) {  // deleted meanwhile (maybe re-created): look again
      b.forget_bucket(bucket);
      continue;
    }
    if (r < 0) return rados_error("read", oid, r);
    auto v = decode_versioning(raw);
    if (!v)
      return s3::Error(s3::Code::InternalError, "rados: corrupt versioning state of bucket " + std::string(bucket));
    if (v->state == state) {  // nothing to change; still make sure the record shows it
      done = *v;
      break;
    }
    const VersioningState next{v->epoch + 1, state};
    librados::ObjectWriteOperation op;
    op.assert_exists();
    op.cmpxattr(kVersioningXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(raw));
    op.setxattr(kVersioningXattr, to_bl(encode_versioning(next)));
    r = b.index.operate(oid, &op);
    if (r == 0) {
      done = next;
    } else if (r == -ECANCELED || r == -ENOENT) {
      backoff(attempt);
    } else {
      return rados_error("set versioning on", oid, r);
    }
  }
  if (!done) return contention("PutBucketVersioning");
  // 2. The record's copy, unless it already shows this epoch or a later one.
  return publish_versioning(b, bucket, done->epoch, done->state);
}

}  // namespace silt::rados
