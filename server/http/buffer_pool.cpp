#include "server/http/buffer_pool.h"

namespace silt::server {

BufferPool::Buffer& BufferPool::Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    release();
    pool_ = o.pool_;
    mem_ = std::move(o.mem_);
  }
  return *this;
}

BufferPool::Buffer::~Buffer() {
  release();
}

void BufferPool::Buffer::release() {
  if (mem_ && pool_) pool_->give_back(std::move(mem_));
  mem_.reset();
}

BufferPool::Buffer BufferPool::take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto mem = std::move(idle_.back());
      idle_.pop_back();
      return Buffer(this, std::move(mem));
    }
  }
  // new char[] leaves the bytes uninitialized: every byte is written before it is sent.
  return Buffer(this, std::unique_ptr<char[]>(new char[kBufferSize]));
}

size_t BufferPool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

void BufferPool::give_back(std::unique_ptr<char[]> mem) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(mem));
}

}  // namespace silt::server
