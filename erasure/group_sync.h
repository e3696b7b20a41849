// Group commit for the write path: one syncfs(2) makes the writes of every
// request that asked for durability at about the same time durable at once,
// instead of a handful of fsyncs per request per drive (docs/format.md, "Write
// protocol"). One GroupSync per file system, shared by the drives on it
// (GroupSyncs, below: one set per erasure set).
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt {

class GroupSync {
 public:
  // Asks for a syncfs that starts after this call; wait() blocks until it ended.
  // Split in two so a writer can ask several file systems before waiting on any.
  uint64_t request();
  s3::Status wait(uint64_t ticket);
  s3::Status sync() { return wait(request()); }

  GroupSync(int fd, std::string path);
  ~GroupSync();
  GroupSync(const GroupSync&) = delete;
  GroupSync& operator=(const GroupSync&) = delete;

 private:
  struct Failure {
    uint64_t first, last;  // tickets the failed syncfs covered
    std::string message;
  };
  void run();

  // Held for the GroupSync's life: syncfs reports a writeback error to each open
  // file description once, so an fd opened per call could miss earlier errors.
  int fd_;
  std::string path_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  uint64_t requested_ = 0;        // last ticket handed out
  uint64_t done_ = 0;             // every ticket <= done_ has its syncfs behind it
  std::deque<Failure> failures_;  // the latest few, for waiters still to wake
  uint64_t forgotten_ = 0;        // tickets <= this whose failure was dropped from failures_
  bool stop_ = false;
  std::thread thread_;
};

// The GroupSyncs of one erasure set (ErasureSet::syncs), one per file system.
class GroupSyncs {
 public:
  // The GroupSync of the file system holding path, created on first use and kept as
  // long as this. nullptr when path cannot be opened. Thread-safe.
  GroupSync* of(const std::string& path);

 private:
  std::mutex mu_;
  std::map<dev_t, std::unique_ptr<GroupSync>> by_dev_;
};

// Waits for one ticket per file system among syncs (null: nothing to sync for
// that item; one GroupSync serves every drive on its file system) and calls
// failed(i, error) for every item i whose sync failed.
template <class Failed>
void wait_all_syncs(const std::vector<GroupSync*>& syncs, Failed failed) {
  std::vector<std::pair<GroupSync*, uint64_t>> tickets;  // one per file system
  for (GroupSync* g : syncs)
    if (g && std::none_of(tickets.begin(), tickets.end(), [&](const auto& t) { return t.first == g; }))
      tickets.emplace_back(g, g->request());
  for (const auto& [g, ticket] : tickets)
    if (auto s = g->wait(ticket); !s)
      for (size_t i = 0; i < syncs.size(); ++i)
        if (syncs[i] == g) failed(i, s.error());
}

}  // namespace silt
