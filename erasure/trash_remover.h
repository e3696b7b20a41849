// Removes, on a thread of its own, the data directories that an overwrite, a
// delete or a transition has already renamed into a drive's tmp/.
//
// The rename takes the data out of sight at once; deleting the files can take
// long: unlinking one 256 MiB shard file (still in the page cache) took ~110 ms
// here, so a PUT that replaced a 1 GiB object spent 0.7 s of its 3.6 s removing
// the old version before it answered. Whatever is still queued at a crash or at
// shutdown is removed by the next startup, which empties tmp/.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace silt {

class TrashRemover {
 public:
  TrashRemover();
  // Finishes the path in hand and stops; the rest stays in tmp/ for the next
  // startup. Draining here once held a SIGTERM'd server for over 10 s on a busy
  // disk, past a supervisor's stop timeout.
  ~TrashRemover();
  TrashRemover(const TrashRemover&) = delete;
  TrashRemover& operator=(const TrashRemover&) = delete;

  // Queues directories (or files) to remove recursively; with kMaxQueued
  // already waiting, removes them on the calling thread instead.
  void remove_later(std::vector<std::string> paths);
  static constexpr size_t kMaxQueued = 4096;
  // Returns once everything queued so far is removed.
  void wait_idle();

 private:
  void run();
  std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable idle_;
  std::deque<std::string> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace silt
