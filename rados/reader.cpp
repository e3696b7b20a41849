#include "rados/reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "rados/frames.h"

namespace silt::rados {

namespace {

class InlineReader final : public ObjectReader {
 public:
  explicit InlineReader(std::string bytes) : bytes_(std::move(bytes)) {}
  s3::Result<size_t> read(char* buf, size_t n) override {
    const size_t take = std::min(n, bytes_.size() - pos_);
    std::memcpy(buf, bytes_.data() + pos_, take);
    pos_ += take;
    return take;
  }
  Wait when_ready(std::function<void()>) override { return Wait::Ready; }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

// [offset, offset+length) of one data stream (a single PUT's or a part's data, of
// stream_size bytes in stripe-byte objects). Compressed streams (rados/frames.h) read
// each object whole and decode it; plain ones read just the range.
class StripeReader final : public ObjectReader {
 public:
  StripeReader(DataPool& pool, std::string data_id, uint32_t stripe, uint64_t stream_size, bool compressed,
               uint64_t offset, uint64_t length, int ahead)
      : pool_(pool),
        data_id_(std::move(data_id)),
        stripe_(stripe),
        stream_size_(stream_size),
        compressed_(compressed),
        next_(offset),
        end_(offset + length),
        window_(static_cast<size_t>(std::max(0, ahead)) + 1) {}

  ~StripeReader() override {
    for (auto& p : pending_) {
      p.arrival->forget();
      p.c->wait_for_complete_and_cb();  // librados still writes into p.bl, then calls back
    }
  }

  s3::Result<size_t> read(char* buf, size_t n) override {
    if (!error_.ok()) return error_.error();
    fill_window();
    if (pending_.empty()) {
      if (!error_.ok()) return error_.error();
      return size_t{0};
    }
    Request& front = pending_.front();
    if (!front.done) {
      front.c->wait_for_complete_and_cb();
      const int r = front.c->get_return_value();
      const std::string oid = data_oid(data_id_, front.object);
      if (r < 0) return fail(rados_error("read", oid, r));
      if (compressed_) {
        auto raw = decode_stripe(std::move(front.bl), front.raw_len, oid);
        if (!raw) return fail(raw.error());
        front.bl = std::move(*raw);
      }
      if (front.bl.length() < front.skip + front.len)
        return fail(s3::Error(s3::Code::InternalError, "rados: data object " + data_oid(data_id_, front.object) +
                                                           " is shorter than its record says"));
      front.done = true;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, front.len - front.used));
    front.bl.begin(static_cast<unsigned>(front.skip + front.used)).copy(static_cast<unsigned>(take), buf);
    front.used += take;
    if (front.used == front.len) {
      pending_.pop_front();
      fill_window();
    }
    return take;
  }

  // Decoding a compressed object is work for the blocking pool, so only plain streams
  // tell; a finished or failed one is ready (read() returns at once).
  Wait when_ready(std::function<void()> wake) override {
    if (compressed_) return Wait::Unsupported;
    if (!error_.ok()) return Wait::Ready;
    fill_window();
    if (pending_.empty() || pending_.front().done) return Wait::Ready;
    return pending_.front().arrival->wake_on_arrival(std::move(wake)) ? Wait::Pending : Wait::Ready;
  }

  // Everything read: read() answers 0.
  bool exhausted() const { return error_.ok() && pending_.empty() && next_ >= end_; }

 private:
  // Whether one aio read has completed, told by librados' callback, and whom to wake then.
  class Arrival {
   public:
    static void on_complete(librados::completion_t, void* arg) {
      auto* a = static_cast<Arrival*>(arg);
      std::function<void()> wake;
      {
        std::lock_guard lock(a->mu_);
        a->arrived_ = true;
        wake = std::move(a->wake_);
      }
      if (wake) wake();
    }
    // False when the read has arrived already; else wake (if any) is called when it does.
    bool wake_on_arrival(std::function<void()> wake) {
      std::lock_guard lock(mu_);
      if (arrived_) return false;
      wake_ = std::move(wake);
      return true;
    }
    // The waiter is going away: no wake after this.
    void forget() {
      std::lock_guard lock(mu_);
      wake_ = nullptr;
    }

   private:
    std::mutex mu_;
    bool arrived_ = false;
    std::function<void()> wake_;
  };

  struct Request {
    std::unique_ptr<Arrival> arrival;  // the completion's callback argument: outlives it
    Completion c;
    bufferlist bl;
    uint64_t object = 0;
    uint64_t len = 0;
    uint64_t skip = 0;     // compressed: bytes of the decoded object before the range
    uint64_t raw_len = 0;  // compressed: the object's decoded length
    uint64_t used = 0;
    bool done = false;
  };

  // Keeps up to window_ requests going, in order.
  void fill_window() {
    while (pending_.size() < window_ && next_ < end_) {
      Request req;
      req.object = next_ / stripe_;
      const uint64_t in_obj = next_ % stripe_;
      req.len = std::min<uint64_t>(end_ - next_, stripe_ - in_obj);
      req.arrival = std::make_unique<Arrival>();
      req.c = Completion(librados::Rados::aio_create_completion(req.arrival.get(), &Arrival::on_complete));
      pending_.push_back(std::move(req));
      Request& r = pending_.back();
      int rc = 0;
      if (compressed_) {
        r.skip = in_obj;
        r.raw_len = std::min<uint64_t>(stripe_, stream_size_ - r.object * stripe_);
        rc = pool_.io.aio_read(data_oid(data_id_, r.object), r.c.get(), &r.bl, stripe_, 0);
      } else {
        rc = pool_.io.aio_read(data_oid(data_id_, r.object), r.c.get(), &r.bl, r.len, in_obj);
      }
      if (rc < 0) {
        pending_.pop_back();
        error_ = rados_error("read", data_oid(data_id_, r.object), rc);
        return;
      }
      next_ += r.len;
    }
  }

  s3::Result<size_t> fail(s3::Error e) {
    error_ = e;
    return e;
  }

  DataPool& pool_;
  std::string data_id_;
  uint64_t stripe_;
  uint64_t stream_size_;
  bool compressed_;
  uint64_t next_;  // first byte not yet requested
  uint64_t end_;
  size_t window_;
  std::deque<Request> pending_;
  s3::Status error_;
};

// A multipart version: its parts' data one after another, each read by a StripeReader
// opened when the range reaches it (read-ahead stays within a part).
class PartsReader final : public ObjectReader {
 public:
  struct Piece {
    std::string data_id;
    uint64_t size = 0;    // of the part
    uint64_t offset = 0;  // within the part
    uint64_t length = 0;
  };
  PartsReader(DataPool& pool, uint32_t stripe, bool compressed, std::vector<Piece> pieces, int ahead)
      : pool_(pool), stripe_(stripe), compressed_(compressed), pieces_(std::move(pieces)), ahead_(ahead) {}

  s3::Result<size_t> read(char* buf, size_t n) override {
    while (next_ < pieces_.size() || current_) {
      if (!current_) {
        const Piece& p = pieces_[next_++];
        current_ =
            std::make_unique<StripeReader>(pool_, p.data_id, stripe_, p.size, compressed_, p.offset, p.length, ahead_);
      }
      auto got = current_->read(buf, n);
      if (!got || *got > 0) return got;
      current_.reset();  // this part is done: on to the next
    }
    return size_t{0};
  }

  Wait when_ready(std::function<void()> wake) override {
    // read() moves past exhausted parts before it reads: so does this (no waiting: a
    // part's first reads are only sent here).
    while ((!current_ || current_->exhausted()) && next_ < pieces_.size()) {
      const Piece& p = pieces_[next_++];
      current_ =
          std::make_unique<StripeReader>(pool_, p.data_id, stripe_, p.size, compressed_, p.offset, p.length, ahead_);
    }
    if (!current_ || current_->exhausted()) return Wait::Ready;  // read() answers 0
    return current_->when_ready(std::move(wake));
  }

 private:
  DataPool& pool_;
  uint32_t stripe_;
  bool compressed_;
  std::vector<Piece> pieces_;
  int ahead_;
  size_t next_ = 0;
  std::unique_ptr<StripeReader> current_;
};

}  // namespace

s3::Result<std::unique_ptr<ObjectReader>> open_reader(Backend& b, const std::string& shard, const ObjectRecord& rec,
                                                      uint64_t offset, uint64_t length) {
  if (is_inline(rec)) {
    std::string bytes;
    if (rec.info.size > 0) {
      librados::ObjectReadOperation op;
      std::map<std::string, bufferlist> vals;
      int rv = 0;
      const std::string entry = inline_entry(rec.layout.data_id);
      op.omap_get_vals_by_keys({entry}, &vals, &rv);
      const int r = b.index.operate(shard, &op, nullptr);
      if (r < 0 && r != -ENOENT) return rados_error("read", shard, r);
      auto it = vals.find(entry);
      if (it == vals.end() || it->second.length() != rec.info.size)
        return s3::Error(s3::Code::ServiceUnavailable, "The object was overwritten while being opened; please retry.");
      bytes = it->second.to_str();
    }
    return std::unique_ptr<ObjectReader>(std::make_unique<InlineReader>(bytes.substr(offset, length)));
  }
  DataPool* pool = b.pool(rec.layout.pool);
  if (!pool)
    return s3::Error(s3::Code::InternalError, "rados: the version's pool " + rec.layout.pool + " is not configured");
  if (rec.layout.block_size == 0)
    return s3::Error(s3::Code::InternalError, "rados: the version's record has no stripe size");
  if (!rec.layout.compression.empty() && rec.layout.compression != "zstd")
    return s3::Error(s3::Code::InternalError, "rados: unknown compression " + rec.layout.compression);
  const bool compressed = rec.layout.compression == "zstd";
  if (rec.multipart()) {
    std::vector<PartsReader::Piece> pieces;
    uint64_t start = 0;  // of the part in the object
    for (const auto& part : rec.parts) {
      const uint64_t end = start + part.size;
      if (end > offset && start < offset + length) {
        const uint64_t from = std::max(offset, start), to = std::min(offset + length, end);
        pieces.push_back({part.data_id, part.size, from - start, to - from});
      }
      start = end;
    }
    return std::unique_ptr<ObjectReader>(
        std::make_unique<PartsReader>(*pool, rec.layout.block_size, compressed, std::move(pieces), b.cfg.reads_ahead));
  }
  return std::unique_ptr<ObjectReader>(std::make_unique<StripeReader>(
      *pool, rec.layout.data_id, rec.layout.block_size, rec.info.size, compressed, offset, length, b.cfg.reads_ahead));
}

}  // namespace silt::rados
