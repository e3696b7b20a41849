#include "rados/stripe_writer.h"

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "rados/frames.h"
#include "rados/gc.h"
#include "rados/split.h"
#include "util/time.h"

namespace silt::rados {

StripeWriter::StripeWriter(Backend& b, DataPool& pool, std::string bucket, std::string key)
    : b_(b), pool_(pool), bucket_(std::move(bucket)), key_(std::move(key)), data_id_(random_id()) {}

StripeWriter::~StripeWriter() {
  if (committed_) return;
  // Nothing of an uncommitted write may stay: its data objects, then its intent. Data we
  // could not remove (its PGs did not answer: an OSD down below min_size) keeps its
  // intent, so the sweeper removes it after the timeout; without the intent nothing would
  // name it again (test_rados_faults.py, the cut-short PUT). A data write that timed out
  // already says its PGs do not answer: removing would wait out a second op timeout
  // before the request answers 503, so the intent is kept without trying.
  (void)drain();
  const bool removed = !timed_out_ && static_cast<bool>(remove_data(pool_, data_id_, objects_));
  if (removed && !intent_shard_.empty()) {  // where our key lives now (a split moves intents)
    auto shard = b_.shard_for(bucket_, key_);
    librados::ObjectWriteOperation op;
    op.assert_exists();
    op.omap_rm_keys({intent_entry(data_id_)});
    (void)b_.index.operate(shard ? shard->oid : intent_shard_, &op);
  }
}

s3::Status StripeWriter::append(const char* data, size_t n) {
  if (!error_.ok()) return error_;
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

s3::Status StripeWriter::finish() {
  if (!error_.ok()) return error_;
  if (buf_.length() > 0)
    if (auto s = flush(); !s) return s;
  return drain();
}

uint64_t StripeWriter::stored_bytes() const {
  return stored_size(written_, pool_.profile);
}

// Sends the buffered stripe as the next data object; the intent goes first, and is
// renewed at half the timeout so the sweeper leaves a live writer alone.
s3::Status StripeWriter::flush() {
  if (auto s = intent_shard_.empty() ? write_intent() : keep_intent(); !s) return fail(s.error());
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
s3::Status StripeWriter::write_intent() {
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

s3::Status StripeWriter::keep_intent() {
  if (intent_shard_.empty() || now_ms() - intent_ms_ < b_.cfg.intent_timeout_ms / 2) return {};
  return write_intent();
}

s3::Status StripeWriter::intent_intact() {
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

s3::Status StripeWriter::wait_oldest() {
  Pending p = std::move(inflight_.front());
  inflight_.pop_front();
  p.c->wait_for_complete();
  const int r = p.c->get_return_value();
  if (r == -ETIMEDOUT) timed_out_ = true;
  if (r < 0) return fail(rados_error("write data of", data_id_, r));
  return {};
}

s3::Status StripeWriter::drain() {
  s3::Status first = error_;
  while (!inflight_.empty())
    if (auto s = wait_oldest(); !s && first.ok()) first = s;
  return first;
}

s3::Status StripeWriter::fail(s3::Error e) {
  error_ = e;
  return e;
}

}  // namespace silt::rados
