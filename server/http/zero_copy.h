// A session's pipe for zero-copy response bodies over plain http: the object reader puts
// references to verified page-cache pages into it (ObjectReader::splice), and send()
// splices them on to the connection's TCP socket, so the bytes are never copied through
// user space. One per session, opened on its first zero-copy body; TLS connections never
// use it (the records are encrypted from a buffer). docs/performance.md, "GET path".
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>

namespace silt::server {

class SplicePipe {
 public:
  SplicePipe() = default;
  SplicePipe(const SplicePipe&) = delete;
  SplicePipe& operator=(const SplicePipe&) = delete;
  ~SplicePipe() { close(); }

  // Opens the pipe (non-blocking, kCapacity when the system allows) unless open. False when
  // it cannot be opened: the body then takes the buffer path.
  bool open();
  // Where ObjectReader::splice puts pages.
  int write_fd() const { return w_; }
  // Reads and drops whatever the pipe holds (bytes a failed ObjectReader::splice left).
  void discard();
  // Bytes the pipe can hold (its pages; a run not page-aligned fills it with fewer bytes).
  size_t capacity() const { return capacity_; }
  // Moves exactly n bytes the pipe holds to socket, waiting for the socket to take them at
  // most timeout at a time. False when the client went away or stalled; the pipe is then
  // closed, its bytes no longer wanted (the connection ends).
  boost::asio::awaitable<bool> send(boost::asio::ip::tcp::socket& socket, size_t n,
                                    std::chrono::steady_clock::duration timeout);

  // --no-zero-copy: set once at start, before the first connection.
  static void set_enabled(bool on) { enabled_ = on; }
  static bool enabled() { return enabled_; }

  // 1 MiB: Linux's default /proc/sys/fs/pipe-max-size, the most a process may ask for
  // without privilege; one stripe of the default layout.
  static constexpr size_t kCapacity = 1 << 20;

 private:
  void close();
  static inline bool enabled_ = true;
  int r_ = -1;
  int w_ = -1;
  size_t capacity_ = 0;
};

}  // namespace silt::server
