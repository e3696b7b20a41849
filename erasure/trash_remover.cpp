#include "erasure/trash_remover.h"

#include "erasure/fs.h"

namespace silt {

TrashRemover::TrashRemover() : thread_([this] { run(); }) {}

TrashRemover::~TrashRemover() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void TrashRemover::remove_later(std::vector<std::string> paths) {
  if (paths.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() < kMaxQueued) {
      for (auto& p : paths) queue_.push_back(std::move(p));
      paths.clear();
    }
  }
  work_.notify_one();
  // Deletes arriving faster than the thread removes: the caller removes its own,
  // as before this thread existed, which bounds the queue and slows the deleters.
  for (const auto& p : paths) fs::remove_all(p);
}

void TrashRemover::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void TrashRemover::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::string path = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    fs::remove_all(path);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace silt
