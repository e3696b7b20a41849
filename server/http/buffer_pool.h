// Reused buffers for streaming response bodies.
//
// A GET that streamed into a fresh 1 MiB std::string per response spent about
// 18 % of a 1 MiB ranged GET's CPU on that buffer: glibc maps it, the kernel
// faults in and zeroes 256 pages, resize() zeroes them again, and free unmaps
// them. Buffers handed back here are kept (up to max_idle of them) and reused.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace silt::server {

class BufferPool {
 public:
  static constexpr size_t kBufferSize = 1 << 20;

  // One buffer of kBufferSize bytes (not zeroed); goes back to its pool when destroyed.
  class Buffer {
   public:
    Buffer() = default;
    Buffer(Buffer&&) noexcept = default;
    Buffer& operator=(Buffer&& o) noexcept;
    ~Buffer();
    char* data() const { return mem_.get(); }
    explicit operator bool() const { return mem_ != nullptr; }

   private:
    friend class BufferPool;
    Buffer(BufferPool* pool, std::unique_ptr<char[]> mem) : pool_(pool), mem_(std::move(mem)) {}
    void release();
    BufferPool* pool_ = nullptr;
    std::unique_ptr<char[]> mem_;
  };

  // Idle buffers beyond max_idle are freed, so an idle server holds at most
  // max_idle * kBufferSize bytes here.
  explicit BufferPool(size_t max_idle) : max_idle_(max_idle) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  Buffer take();
  size_t idle() const;

 private:
  void give_back(std::unique_ptr<char[]> mem);
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<char[]>> idle_;
  const size_t max_idle_;
};

}  // namespace silt::server
