// Waiting for a response body's next bytes without holding a thread: a reader whose
// reads wait on a network (the RADOS backend's) says when its next read() would not
// wait (ObjectReader::when_ready), and the session's coroutine sleeps until then
// instead of a blocking-pool thread sleeping in read(). docs/performance.md, "silt on
// RADOS against Ceph RGW".
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <type_traits>

#include "object/object_layer.h"

namespace silt::server {

// Ready once reader's next read() returns without waiting, resumed on the caller's
// executor; Unsupported at once when reader cannot tell (read it on the blocking pool).
// The executor counts the wait as work, so its threads stay while a read is out.
inline boost::asio::awaitable<ObjectReader::Wait> until_readable(ObjectReader& reader) {
  namespace asio = boost::asio;
  using Wait = ObjectReader::Wait;
  if (Wait w = reader.when_ready({}); w != Wait::Pending) co_return w;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Wait)>(
      [&reader](auto handler) {
        auto ex = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
        auto h = std::make_shared<std::decay_t<decltype(handler)>>(std::move(handler));
        // Called once: from librados' thread when the bytes arrive, or here when they already have.
        auto resume = [h, ex](Wait w) { asio::post(ex, [h, w]() mutable { std::move (*h)(w); }); };
        if (Wait w = reader.when_ready([resume] { resume(Wait::Ready); }); w != Wait::Pending) resume(w);
      },
      asio::use_awaitable);
}

}  // namespace silt::server
