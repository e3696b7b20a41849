// A gateway's shard upkeep off the committing threads: the compaction of a packed bucket's
// listing deltas (rados/list_pack.h) and the count that decides a shard split
// (rados/split.h) used to run on the thread of the commit that made them due, so that PUT
// waited for several more ops (a count reads every entry name of the shard). Commits now
// only signal this worker, which runs the jobs one at a time on a thread of its own.
//
// A signal may be dropped (queue full, worker stopped) and a queued job is lost when the
// gateway stops or dies: both are harmless, because the job is upkeep, never the truth (a
// delta lists until it is folded; a shard past the threshold still works), and the
// callers' counters keep asking until a signal is taken.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace silt::rados {

class UpkeepWorker {
 public:
  // Jobs waiting at most; a signal past it is refused (the queue's memory stays bounded).
  static constexpr size_t kMaxQueued = 256;

  UpkeepWorker() = default;
  UpkeepWorker(const UpkeepWorker&) = delete;
  UpkeepWorker& operator=(const UpkeepWorker&) = delete;
  ~UpkeepWorker();  // stop()

  // Queues job under name (the thread starts with the first job). Returns true when job
  // is queued, or a job of that name already waits (it will do the same work); false when
  // the queue is full or the worker stopped: the caller signals again later.
  bool post(std::string name, std::function<void()> job);

  // Returns once every job queued before the call has run (or was dropped by stop()):
  // for tools that must see the upkeep done (the seeder) and for tests.
  void drain();

  // Drops the queued jobs, waits for the running one and ends the thread; post() refuses
  // from then on. Called at shutdown, before the connection it uses goes away.
  void stop();

  // Jobs run since the start (for tests).
  uint64_t jobs_run() const;

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::pair<std::string, std::function<void()>>> queue_;
  std::set<std::string> queued_;  // names in queue_
  bool running_job_ = false, stopping_ = false;
  uint64_t jobs_run_ = 0;
  std::thread thread_;
};

}  // namespace silt::rados
