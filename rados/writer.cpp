#include "rados/writer.h"

#include <optional>

#include "rados/frames.h"
#include "rados/objects.h"
#include "rados/stripe_writer.h"
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
        data_(b, pool, bucket_, key_),
        md5_(Digest::Kind::MD5) {}

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
    return data_.append(data, n);
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
    const bool inlined = upload_id_.empty() && data_.objects() == 0 && size_ <= b_.cfg.inline_bytes;
    if (auto s = inlined ? data_.drain() : data_.finish(); !s) return s.error();
    if (!upload_id_.empty()) return commit_part(meta);

    ObjectRecord rec;
    rec.info.bucket = bucket_;
    rec.info.key = key_;
    rec.info.size = size_;
    rec.info.etag = hex_encode(md5_raw());
    rec.info.mtime_ms = now_ms();
    rec.info.meta = meta;
    const PoolProfile& prof = pool_.profile;
    const uint64_t stored = inlined ? size_ : data_.stored_bytes();
    // Inline data has one copy in the (replicated) index: 1+0 as far as the record goes.
    const int k = inlined ? 1 : prof.k, m = inlined ? 0 : prof.m;
    rec.layout = ObjectLayout{k,
                              m,
                              b_.cfg.stripe_bytes,
                              data_.data_id(),
                              identity_distribution(k + m),
                              inlined ? "" : pool_.cfg.name,
                              inlined ? "" : compression(pool_),
                              0};
    rec.parts.push_back({1, size_, rec.info.etag, data_.data_id(), {}, {}, stored});
    rec.info.stored_bytes = stored;
    std::string bytes;
    if (inlined) bytes = data_.buffered().to_str();
    // A commit asserts our intent is still there: a sweeper that took it is removing our data.
    CommitExtra keep_intent;
    if (!data_.intent_raw().empty())
      keep_intent = [this](int attempt, librados::ObjectWriteOperation& op, std::map<std::string, bufferlist>&,
                           std::set<std::string>&) -> s3::Status {
        if (attempt > 0)
          if (auto s = data_.intent_intact(); !s) return s;
        op.omap_cmp({{intent_entry(data_.data_id()), {to_bl(data_.intent_raw()), LIBRADOS_CMPXATTR_OP_EQ}}},
                    &intent_rv_);
        return {};
      };
    auto done = commit_object(b_, std::move(rec), cond_, inlined ? &bytes : nullptr, keep_intent);
    if (!done) {  // e.g. PreconditionFailed: the stripe writer frees our data
      error_ = done.error();
      return done.error();
    }
    data_.committed();
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
    const uint64_t stored = data_.stored_bytes();
    part.layout = ObjectLayout{prof.k,
                               prof.m,
                               b_.cfg.stripe_bytes,
                               data_.data_id(),
                               identity_distribution(prof.k + prof.m),
                               pool_.cfg.name,
                               compression(pool_),
                               stored};
    if (auto s = rados::commit_part(b_, part, data_.intent_raw()); !s) {  // NoSuchUpload: our data is freed
      error_ = s.error();
      return s.error();
    }
    data_.committed();
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

  Backend& b_;
  DataPool& pool_;
  std::string bucket_, key_;
  WriteConditions cond_;
  std::string upload_id_;  // set: this writes part part_number_ of that upload
  int part_number_ = 0;
  std::optional<PartInfo> imported_;  // set: the part's ETag and Last-Modified as the source has them
  StripeWriter data_;  // the data and its intent; freed unless committed
  int intent_rv_ = 0;  // the commit op's assertion result
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
