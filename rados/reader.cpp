#include "rados/reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

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

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

class StripeReader final : public ObjectReader {
 public:
  StripeReader(DataPool& pool, std::string data_id, uint32_t stripe, uint64_t offset, uint64_t length, int ahead)
      : pool_(pool),
        data_id_(std::move(data_id)),
        stripe_(stripe),
        next_(offset),
        end_(offset + length),
        window_(static_cast<size_t>(std::max(0, ahead)) + 1) {}

  ~StripeReader() override {
    for (auto& p : pending_) p.c->wait_for_complete();  // librados still writes into p.bl
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
      front.c->wait_for_complete();
      const int r = front.c->get_return_value();
      if (r < 0) return fail(rados_error("read", data_oid(data_id_, front.object), r));
      if (static_cast<uint64_t>(r) != front.len || front.bl.length() != front.len)
        return fail(s3::Error(s3::Code::InternalError, "rados: data object " + data_oid(data_id_, front.object) +
                                                           " is shorter than its record says"));
      front.done = true;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, front.len - front.used));
    front.bl.begin(static_cast<unsigned>(front.used)).copy(static_cast<unsigned>(take), buf);
    front.used += take;
    if (front.used == front.len) {
      pending_.pop_front();
      fill_window();
    }
    return take;
  }

 private:
  struct Request {
    Completion c;
    bufferlist bl;
    uint64_t object = 0;
    uint64_t len = 0;
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
      req.c = new_completion();
      pending_.push_back(std::move(req));
      Request& r = pending_.back();
      const int rc = pool_.io.aio_read(data_oid(data_id_, r.object), r.c.get(), &r.bl, r.len, in_obj);
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
  uint64_t next_;  // first byte not yet requested
  uint64_t end_;
  size_t window_;
  std::deque<Request> pending_;
  s3::Status error_;
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
  return std::unique_ptr<ObjectReader>(std::make_unique<StripeReader>(*pool, rec.layout.data_id, rec.layout.block_size,
                                                                      offset, length, b.cfg.reads_ahead));
}

}  // namespace silt::rados
