#include "server/http/zero_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

namespace silt::server {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

bool SplicePipe::open() {
  if (w_ >= 0) return true;
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  r_ = fds[0];
  w_ = fds[1];
  int got = ::fcntl(w_, F_SETPIPE_SZ, static_cast<int>(kCapacity));
  if (got < 0) got = ::fcntl(w_, F_GETPIPE_SZ);
  if (got <= 0) {
    close();
    return false;
  }
  capacity_ = static_cast<size_t>(got);
  return true;
}

void SplicePipe::discard() {
  char scratch[16384];
  for (;;) {
    ssize_t n = ::read(r_, scratch, sizeof scratch);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    return;  // empty (EAGAIN) or closed
  }
}

void SplicePipe::close() {
  if (r_ >= 0) ::close(r_);
  if (w_ >= 0) ::close(w_);
  r_ = w_ = -1;
  capacity_ = 0;
}

asio::awaitable<bool> SplicePipe::send(asio::ip::tcp::socket& socket, size_t n,
                                       std::chrono::steady_clock::duration timeout) {
  // splice honours the socket's O_NONBLOCK (MSG_DONTWAIT): a full send buffer is EAGAIN,
  // and the wait for room goes through the io_context like any other write.
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  while (n > 0 && !ec) {
    ssize_t s = ::splice(r_, nullptr, socket.native_handle(), nullptr, n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (s > 0) {
      n -= static_cast<size_t>(s);
      continue;
    }
    if (s < 0 && errno == EINTR) continue;
    if (s == 0 || errno != EAGAIN) break;  // the client closed, or the connection broke
    asio::steady_timer timer(socket.get_executor(), timeout);
    auto ready = co_await (socket.async_wait(asio::socket_base::wait_write, asio::as_tuple(asio::use_awaitable)) ||
                           timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (ready.index() != 0) break;  // stalled past timeout
    ec = std::get<0>(std::get<0>(ready));
  }
  if (n == 0) co_return true;
  close();
  co_return false;
}

}  // namespace silt::server
