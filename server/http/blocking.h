// Runs blocking work (disk I/O, fsync, erasure coding) on the blocking thread
// pool and resumes the calling coroutine on its own executor afterwards, so an
// io_context thread never waits on a disk.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>

namespace silt::server {

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> run_blocking(boost::asio::thread_pool& pool, F f) {
  using R = std::invoke_result_t<F&>;
  if constexpr (std::is_void_v<R>) {
    co_await boost::asio::co_spawn(
        pool,
        [&]() -> boost::asio::awaitable<void> {
          f();
          co_return;
        },
        boost::asio::use_awaitable);
  } else {
    std::optional<R> out;
    co_await boost::asio::co_spawn(
        pool,
        [&]() -> boost::asio::awaitable<void> {
          out.emplace(f());
          co_return;
        },
        boost::asio::use_awaitable);
    co_return std::move(*out);
  }
}

}  // namespace silt::server
