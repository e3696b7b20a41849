#include "rados/transition.h"

#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "rados/frames.h"
#include "rados/gc.h"
#include "rados/objects.h"
#include "rados/reader.h"
#include "rados/split.h"
#include "util/time.h"

namespace silt::rados {

namespace {

std::string class_of(const ObjectRecord& rec) {
  return rec.info.meta.storage_class.empty() ? "STANDARD" : rec.info.meta.storage_class;
}

s3::Error changed() {
  return s3::Error(s3::Code::NoSuchKey, "The version changed or was deleted during its storage class transition.");
}

// The copy's write intents and data: recorded before the first data object, removed
// unless the commit took them (the destructor runs on every failure path).
class Copy {
 public:
  // The intents go where bucket/key lives, and move with it when its shard splits.
  Copy(Backend& b, DataPool& to, std::string bucket, std::string key)
      : b_(b), to_(to), bucket_(std::move(bucket)), key_(std::move(key)) {}
  ~Copy() {
    if (committed_) return;
    // A data id whose objects could not be removed (its PGs did not answer) keeps its
    // intent: the sweeper removes it after the timeout; nothing else would name it.
    std::set<std::string> drop;
    for (size_t i = 0; i < ids_.size(); ++i)
      if (remove_data(to_, ids_[i], objects_[i])) drop.insert(intent_entry(ids_[i]));
    auto shard = b_.shard_for(bucket_, key_);
    if (!shard || drop.empty()) return;
    librados::ObjectWriteOperation op;
    op.assert_exists();
    op.omap_rm_keys(drop);
    (void)b_.index.operate(shard->oid, &op);
  }

  // One intent per new data id, in one op, before any data is written.
  s3::Status start(size_t streams) {
    intent_ms_ = now_ms();
    intent_raw_ = intent_value(intent_ms_);
    std::map<std::string, bufferlist> set;
    for (size_t i = 0; i < streams; ++i) {
      ids_.push_back(random_id());
      objects_.push_back(0);
      set.emplace(intent_entry(ids_.back()), to_bl(intent_raw_));
    }
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto shard = b_.shard_for(bucket_, key_);
      if (!shard) return shard.error();
      librados::ObjectWriteOperation op;
      guard_shard(op, *shard);
      op.omap_set(set);
      const int r = b_.index.operate(shard->oid, &op);
      if (r == 0) return {};
      if (r == -ENOENT) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
      if (r != -ECANCELED) return rados_error("record write intents in", shard->oid, r);
      settle(b_, bucket_, shard->oid, attempt + 4);  // the shard splits or split
    }
    return contention("recording write intents");
  }

  // Copies `size` bytes from reader as stream i's objects; returns the bytes stored.
  s3::Result<uint64_t> stream(size_t i, ObjectReader& reader, uint64_t size,
                              const std::function<void(uint64_t)>& before_chunk) {
    const uint32_t stripe = b_.cfg.stripe_bytes;
    std::string buf(stripe, '\0');
    uint64_t done = 0, stored = 0;
    while (done < size) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(stripe, size - done));
      if (before_chunk) before_chunk(want);
      size_t got = 0;
      while (got < want) {
        auto n = reader.read(buf.data() + got, want - got);
        if (!n) return n.error();
        if (*n == 0) return s3::Error(s3::Code::InternalError, "rados: the version's data ended early");
        got += *n;
      }
      if (auto s = renew_if_due(); !s) return s.error();
      bufferlist bl = encode_stripe(to_bl(std::string_view(buf.data(), want)), to_.cfg.zstd_level);
      const std::string oid = data_oid(ids_[i], objects_[i]);
      ++objects_[i];  // counted before the write: a failed write's object is removed too
      if (int r = to_.io.write_full(oid, bl); r < 0) return rados_error("write", oid, r);
      stored += bl.length();
      done += want;
    }
    return stored_size(stored, to_.profile);
  }

  // For the commit op: our intents must still be there (not swept as a dead writer's),
  // and go with it.
  void commit_into(librados::ObjectWriteOperation& op, std::set<std::string>& rm) {
    std::map<std::string, std::pair<bufferlist, int>> cmp;
    for (const auto& k : intent_keys()) {
      cmp.emplace(k, std::make_pair(to_bl(intent_raw_), LIBRADOS_CMPXATTR_OP_EQ));
      rm.insert(k);
    }
    op.omap_cmp(cmp, &cmp_rv_);
  }
  // Whether our intents are all still as written; a commit that lost a race asks, so
  // a copy the sweeper took (a copy stalled past the intent timeout) stops retrying.
  s3::Status intact() {
    auto shard = b_.shard_for(bucket_, key_);
    if (!shard) return shard.error();
    librados::ObjectReadOperation rd;
    std::map<std::string, bufferlist> vals, attrs;
    int rv = 0, rv_attrs = 0;
    rd.getxattrs(&attrs, &rv_attrs);
    rd.omap_get_vals_by_keys(intent_keys(), &vals, &rv);
    if (int r = b_.index.operate(shard->oid, &rd, nullptr); r < 0 && r != -ENOENT)
      return rados_error("read", shard->oid, r);
    if ((attrs.count(kGenXattr) ? attrs[kGenXattr].to_str() : std::string()) != shard->gen) {
      b_.forget_bucket(bucket_);  // a stale map: the next attempt knows better
      return {};
    }
    for (const auto& k : intent_keys()) {
      auto it = vals.find(k);
      if (it == vals.end() || it->second.to_str() != intent_raw_) return intent_lost();
    }
    return {};
  }
  void committed() { committed_ = true; }
  const std::string& id(size_t i) const { return ids_[i]; }

 private:
  std::string intent_value(int64_t started_ms) const {
    return nlohmann::json{{"pool", to_.cfg.name}, {"started_ms", started_ms}, {"key", key_}}.dump();
  }

  // A copy running past half the intent timeout renews its intents, as a PUT does
  // (rados/writer.cpp), in one op that asserts the sweeper has not taken them: a long
  // move of a big version is a live writer, not a dead one.
  s3::Status renew_if_due() {
    const int64_t now = now_ms();
    if (now - intent_ms_ < b_.cfg.intent_timeout_ms / 2) return {};
    const std::string value = intent_value(now);
    std::map<std::string, std::pair<bufferlist, int>> cmp;
    std::map<std::string, bufferlist> set;
    for (const auto& k : intent_keys()) {
      cmp.emplace(k, std::make_pair(to_bl(intent_raw_), LIBRADOS_CMPXATTR_OP_EQ));
      set.emplace(k, to_bl(value));
    }
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto shard = b_.shard_for(bucket_, key_);
      if (!shard) return shard.error();
      librados::ObjectWriteOperation op;
      int rv = 0;
      guard_shard(op, *shard);
      op.omap_cmp(cmp, &rv);
      op.omap_set(set);
      const int r = b_.index.operate(shard->oid, &op);
      if (r == 0) {
        intent_raw_ = value;
        intent_ms_ = now;
        return {};
      }
      if (r == -ENOENT) return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
      if (r != -ECANCELED) return rados_error("renew write intents in", shard->oid, r);
      if (auto s = intact(); !s) return s;           // swept: this copy is over
      settle(b_, bucket_, shard->oid, attempt + 4);  // the shard splits or split
    }
    return contention("renewing write intents");
  }

  std::set<std::string> intent_keys() const {
    std::set<std::string> keys;
    for (const auto& id : ids_) keys.insert(intent_entry(id));
    return keys;
  }

  Backend& b_;
  DataPool& to_;
  std::string bucket_, key_;
  std::string intent_raw_;
  int64_t intent_ms_ = 0;  // when intent_raw_ was written
  std::vector<std::string> ids_;
  std::vector<uint64_t> objects_;  // data objects written (or tried) per id
  int cmp_rv_ = 0;
  bool committed_ = false;
};

}  // namespace

s3::Result<uint64_t> transition_version(Backend& b, std::string_view bucket, std::string_view key,
                                        std::string_view version_id, std::string_view storage_class, DataPool& to,
                                        const std::function<void(uint64_t)>& before_chunk) {
  auto found = read_version(b, bucket, key, version_id);
  if (!found) return found.error();
  const ObjectRecord old = std::move(*found);
  if (class_of(old) == storage_class) return uint64_t{0};
  const std::string first = old.primary_data_id();
  const std::string vid = old.info.version_id;  // from here on, exactly this version

  if (is_inline(old) || old.layout.pool == to.cfg.name || old.parts.empty()) {
    // Nothing to move: the data stays where it is, the version changes its class.
    // The hook still runs once, as for a copy: the caller paces by it (and tests race it).
    if (before_chunk) before_chunk(old.info.size);
    auto done = modify_object(b, bucket, key, vid, [&](ObjectRecord& r) -> s3::Status {
      if (r.primary_data_id() != first) return changed();
      r.info.meta.storage_class = std::string(storage_class);
      return {};
    });
    if (!done) return done.error().code == s3::Code::NoSuchVersion ? changed() : done.error();
    return uint64_t{0};
  }
  DataPool* from = b.pool(old.layout.pool);
  if (!from) return s3::Error(s3::Code::InternalError, "rados: the version's pool " + old.layout.pool + " is gone");
  auto shard = b.shard_for(bucket, key);
  if (!shard) return shard.error();

  Copy copy(b, to, std::string(bucket), std::string(key));
  if (auto s = copy.start(old.parts.size()); !s) return s.error();
  ObjectRecord moved = old;
  moved.layout = ObjectLayout{to.profile.k, to.profile.m, b.cfg.stripe_bytes, "", {}, to.cfg.name, compression(to), 0};
  moved.info.stored_bytes = 0;
  for (size_t i = 0; i < moved.parts.size(); ++i) {
    PartRecord& p = moved.parts[i];
    // The old stream (a single PUT's data or one part) as a record of its own to read.
    ObjectRecord one;
    one.info.size = p.size;
    one.layout = old.layout;
    one.layout.data_id = p.data_id;
    auto reader = open_reader(b, shard->oid, one, 0, p.size);
    if (!reader) return reader.error();
    auto stored = copy.stream(i, **reader, p.size, before_chunk);
    if (!stored) return stored.error();
    p.data_id = copy.id(i);
    p.distribution = identity_distribution(to.profile.k + to.profile.m);
    p.stored = *stored;
    moved.info.stored_bytes += *stored;
  }
  if (!old.multipart()) {
    moved.layout.data_id = moved.parts.front().data_id;
    moved.layout.distribution = identity_distribution(to.profile.k + to.profile.m);
    moved.parts.front().distribution.clear();
  }

  // The flip: only if the version still has the data copied, in one guarded op that
  // also drops our intents and queues the old data for GC.
  auto done = modify_object(
      b, bucket, key, vid,
      [&](ObjectRecord& r) -> s3::Status {
        if (r.primary_data_id() != first) return changed();
        r.layout = moved.layout;
        r.parts = moved.parts;
        r.info.stored_bytes = moved.info.stored_bytes;
        r.info.meta.storage_class = std::string(storage_class);
        return {};
      },
      [&](int attempt, librados::ObjectWriteOperation& op, std::map<std::string, bufferlist>& set,
          std::set<std::string>& rm) -> s3::Status {
        if (attempt > 0)
          if (auto s = copy.intact(); !s) return s;
        copy.commit_into(op, rm);
        for (auto& [name, value] : gc_items(old, now_ms() + b.cfg.gc_grace_ms)) set.emplace(name, to_bl(value));
        return {};
      });
  if (!done) return done.error().code == s3::Code::NoSuchVersion ? changed() : done.error();
  copy.committed();
  return old.info.size;
}

}  // namespace silt::rados
