#include "rados/writer.h"

#include <algorithm>
#include <cerrno>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>

#include "rados/frames.h"
#include "rados/gc.h"
#include "rados/objects.h"
#include "rados/split.h"
#include "rados/uploads.h"
#include "util/hash.h"
#include "util/time.h"

namespace silt::rados {

namespace {

class RadosObjectWriter final : public ObjectWriter {
 public:
  RadosObjectWriter(Backend& b, DataPool& pool, std::string bucket, std::string key, WriteConditions cond,
                    std::string upload_id = {}, int part_number = 0, const PartInfo* imported = nullptr)
      : b_(b),
        pool_(pool),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        cond_(std::move(cond)),
        upload_id_(std::move(upload_id)),
        part_number_(part_number),
        imported_(imported ? std::optional<PartInfo>(*imported) : std::nullopt),
        data_id_(random_id()),
        md5_(Digest::Kind::MD5) {}

  ~RadosObjectWriter() override {
    if (committed_) return;
    // Nothing of an uncommitted write may stay: its data objects, then its intent. Data we
    // could not remove (its PGs did not answer: an OSD down below min_size) keeps its
    // intent, so the sweeper removes it after the timeout; without the intent nothing would
    // name it again (test_rados_faults.py, the cut-short PUT).
    (void)drain();
    const bool removed = static_cast<bool>(remove_data(pool_, data_id_, objects_));
    if (removed && !intent_shard_.empty()) {  // where our key lives now (a split moves intents)
      auto shard = b_.shard_for(bucket_, key_);
      librados::ObjectWriteOperation op;
      op.assert_exists();
      op.omap_rm_keys({intent_entry(data_id_)});
      (void)b_.index.operate(shard ? shard->oid : intent_shard_, &op);
    }
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
    size_ += n;
    const size_t stripe = b_.cfg.stripe_bytes;
    while (n > 0) {
      const size_t take = std::min(n, stripe - buf_.length());
      buf_.append(data, static_cast<unsigned>(take));
      data += take;
      n -= take;
      if (buf_.length() == stripe)
        if (auto s = flush(); !s) return s;
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
    if (!error_.ok()) return error_.error();
    if (committed_) return s3::Error(s3::Code::InternalError, "ObjectWriter::commit called twice");
    // Parts always go to the pool: a completed object's record names its parts' data.
    const bool inlined = upload_id_.empty() && objects_ == 0 && size_ <= b_.cfg.inline_bytes;
    if (!inlined && buf_.length() > 0)
      if (auto s = flush(); !s) return s.error();
    if (auto s = drain(); !s) return s.error();
    if (!upload_id_.empty()) return commit_part(meta);

    ObjectRecord rec;
    rec.info.bucket = bucket_;
    rec.info.key = key_;
    rec.info.size = size_;
    rec.info.etag = hex_encode(md5_raw());
    rec.info.mtime_ms = now_ms();
    rec.info.meta = meta;
    const PoolProfile& prof = pool_.profile;
    const uint64_t stored = inlined ? size_ : stored_bytes();
    // Inline data has one copy in the (replicated) index: 1+0 as far as the record goes.
    const int k = inlined ? 1 : prof.k, m = inlined ? 0 : prof.m;
    rec.layout = ObjectLayout{k,
                              m,
                              b_.cfg.stripe_bytes,
                              data_id_,
                              identity_distribution(k + m),
                              inlined ? "" : pool_.cfg.name,
                              inlined ? "" : compression(pool_),
                              0};
    rec.parts.push_back({1, size_, rec.info.etag, data_id_, {}, {}, stored});
    rec.info.stored_bytes = stored;
    std::string bytes;
    if (inlined) bytes = buf_.to_str();
    // A commit asserts our intent is still there: a sweeper that took it is removing our data.
    CommitExtra keep_intent;
    if (!intent_shard_.empty())
      keep_intent = [this](int attempt, librados::ObjectWriteOperation& op, std::map<std::string, bufferlist>&,
                           std::set<std::string>&) -> s3::Status {
        if (attempt > 0)
          if (auto s = intent_intact(); !s) return s;
        op.omap_cmp({{intent_entry(data_id_), {to_bl(intent_raw_), LIBRADOS_CMPXATTR_OP_EQ}}}, &intent_rv_);
        return {};
      };
    auto done = commit_object(b_, std::move(rec), cond_, inlined ? &bytes : nullptr, keep_intent);
    if (!done) {  // e.g. PreconditionFailed: the destructor frees our data
      error_ = done.error();
      return done.error();
    }
    committed_ = true;
    return std::move(done->info);
  }

 private:
  s3::Result<ObjectInfo> commit_part(const ObjectMeta& meta) {
    UploadedPart part;
    part.bucket = bucket_;
    part.key = key_;
    part.upload_id = upload_id_;
    part.info = PartInfo{part_number_, size_, imported_ ? imported_->etag : hex_encode(md5_raw()),
                         imported_ ? imported_->mtime_ms : now_ms(), meta.checksums};
    const PoolProfile& prof = pool_.profile;
    const uint64_t stored = stored_bytes();
    part.layout = ObjectLayout{prof.k,
                               prof.m,
                               b_.cfg.stripe_bytes,
                               data_id_,
                               identity_distribution(prof.k + prof.m),
                               pool_.cfg.name,
                               compression(pool_),
                               stored};
    if (auto s = rados::commit_part(b_, part, intent_raw_); !s) {  // NoSuchUpload: the destructor frees our data
      error_ = s.error();
      return s.error();
    }
    committed_ = true;
    ObjectInfo info;
    info.bucket = bucket_;
    info.key = key_;
    info.size = size_;
    info.etag = part.info.etag;
    info.mtime_ms = part.info.mtime_ms;
    info.meta.checksums = meta.checksums;
    info.stored_bytes = stored;
    return info;
  }

  // Sends the buffered stripe as the next data object; the intent goes first, and is
  // renewed at half the timeout so the sweeper (rados/gc.h) leaves a live writer alone.
  s3::Status flush() {
    if (intent_shard_.empty() || now_ms() - intent_ms_ >= b_.cfg.intent_timeout_ms / 2)
      if (auto s = write_intent(); !s) return fail(s.error());
    Pending p{new_completion(), encode_stripe(std::move(buf_), pool_.cfg.zstd_level)};
    buf_ = bufferlist();
    written_ += p.bl.length();
    const std::string oid = data_oid(data_id_, objects_);
    if (int r = pool_.io.aio_write_full(oid, p.c.get(), p.bl); r < 0) return fail(rados_error("write", oid, r));
    ++objects_;
    inflight_.push_back(std::move(p));
    while (inflight_.size() > static_cast<size_t>(std::max(1, b_.cfg.writes_in_flight)))
      if (auto s = wait_oldest(); !s) return s;
    return {};
  }

  // Records the intent, or renews it (asserting the sweeper has not taken it), in the
  // shard that holds our key now: a split moves intents with their keys ("key").
  s3::Status write_intent() {
    const bool renew = !intent_shard_.empty();
    const int64_t now = now_ms();
    const std::string value = nlohmann::json{{"pool", pool_.cfg.name}, {"started_ms", now}, {"key", key_}}.dump();
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto shard = b_.shard_for(bucket_, key_);
      if (!shard) return shard.error();
      librados::ObjectWriteOperation op;
      int rv = 0;
      guard_shard(op, *shard);
      if (renew) op.omap_cmp({{intent_entry(data_id_), {to_bl(intent_raw_), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
      op.omap_set({{intent_entry(data_id_), to_bl(value)}});
      int r = b_.index.operate(shard->oid, &op);
      if (r == -ENOENT) {
        b_.forget_bucket(bucket_);
        return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
      }
      if (r == -ECANCELED) {  // swept, or the shard splits or split: which?
        if (renew)
          if (auto s = intent_intact(); !s) return s;
        settle(b_, bucket_, shard->oid, attempt + 4);
        continue;
      }
      if (r < 0) return rados_error("record write intent in", shard->oid, r);
      intent_shard_ = shard->oid;
      intent_raw_ = value;
      intent_ms_ = now;
      return {};
    }
    return contention("recording a write intent");
  }

  // Whether our intent is still as we wrote it (not swept), for a commit that lost a race.
  s3::Status intent_intact() {
    auto shard = b_.shard_for(bucket_, key_);
    if (!shard) return shard.error();
    librados::ObjectReadOperation rd;
    std::map<std::string, bufferlist> vals, attrs;
    int rv = 0, rv_attrs = 0;
    const std::string entry = intent_entry(data_id_);
    rd.getxattrs(&attrs, &rv_attrs);
    rd.omap_get_vals_by_keys({entry}, &vals, &rv);
    if (int r = b_.index.operate(shard->oid, &rd, nullptr); r < 0 && r != -ENOENT)
      return rados_error("read", shard->oid, r);
    const std::string gen = attrs.count(kGenXattr) ? attrs[kGenXattr].to_str() : std::string();
    if (gen != shard->gen) {  // a stale map: the next attempt knows better
      b_.forget_bucket(bucket_);
      return {};
    }
    auto it = vals.find(entry);
    if (it == vals.end() || it->second.to_str() != intent_raw_) return intent_lost();
    return {};
  }

  s3::Status wait_oldest() {
    Pending p = std::move(inflight_.front());
    inflight_.pop_front();
    p.c->wait_for_complete();
    if (int r = p.c->get_return_value(); r < 0) return fail(rados_error("write data of", data_id_, r));
    return {};
  }

  s3::Status drain() {
    s3::Status first;
    while (!inflight_.empty())
      if (auto s = wait_oldest(); !s && first.ok()) first = s;
    return first;
  }

  s3::Status fail(s3::Error e) {
    error_ = e;
    return e;
  }

  // What the pool holds of the data sent: the bytes written (after zstd), times (k+m)/k.
  uint64_t stored_bytes() const { return stored_size(written_, pool_.profile); }

  struct Pending {
    Completion c;
    bufferlist bl;  // kept until the write completes
  };

  Backend& b_;
  DataPool& pool_;
  std::string bucket_, key_;
  WriteConditions cond_;
  std::string upload_id_;  // set: this writes part part_number_ of that upload
  int part_number_ = 0;
  std::optional<PartInfo> imported_;  // set: the part's ETag and Last-Modified as the source has them
  std::string data_id_;
  bufferlist buf_;  // the stripe being filled
  std::deque<Pending> inflight_;
  uint64_t objects_ = 0;      // data objects sent
  uint64_t written_ = 0;      // their bytes as stored (zstd frames or raw)
  std::string intent_shard_;  // where the intent went; empty: none yet
  std::string intent_raw_;    // its value as last written: commits assert it
  int64_t intent_ms_ = 0;     // when it was last written
  int intent_rv_ = 0;         // the commit op's assertion result
  uint64_t size_ = 0;
  Digest md5_;
  bool md5_done_ = false;
  std::string md5_value_;
  s3::Status error_;
  bool committed_ = false;
};

}  // namespace

s3::Result<std::unique_ptr<ObjectWriter>> start_part_writer(Backend& b, DataPool& pool, std::string bucket,
                                                            std::string key, std::string upload_id, int number,
                                                            const PartInfo* imported) {
  return std::unique_ptr<ObjectWriter>(std::make_unique<RadosObjectWriter>(
      b, pool, std::move(bucket), std::move(key), WriteConditions{}, std::move(upload_id), number, imported));
}

s3::Result<std::unique_ptr<ObjectWriter>> start_writer(Backend& b, DataPool& pool, std::string bucket, std::string key,
                                                       WriteConditions cond) {
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<RadosObjectWriter>(b, pool, std::move(bucket), std::move(key), std::move(cond)));
}

}  // namespace silt::rados
