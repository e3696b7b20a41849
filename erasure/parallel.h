// Runs fn(0..n-1) on n threads and waits for all. Drives are independent
// disks, so the fsyncs of one commit should overlap rather than queue up.
#pragma once

#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace silt {

template <class Fn>
void parallel_for(size_t n, Fn&& fn) {
  std::vector<std::thread> threads;
  threads.reserve(n);
  size_t started = 0;
  try {
    for (; started < n; ++started) threads.emplace_back([&fn, started] { fn(started); });
  } catch (const std::system_error&) {
    // Out of threads: do the rest here rather than fail the request.
    for (size_t i = started; i < n; ++i) fn(i);
  }
  for (auto& t : threads) t.join();
}

}  // namespace silt
