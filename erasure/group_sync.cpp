#include "erasure/group_sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

namespace silt {

GroupSync* GroupSyncs::of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return nullptr;
  std::lock_guard lock(mu_);
  auto& g = by_dev_[st.st_dev];
  if (!g) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      by_dev_.erase(st.st_dev);
      return nullptr;
    }
    g = std::make_unique<GroupSync>(fd, path);
  }
  return g.get();
}

GroupSync::GroupSync(int fd, std::string path) : fd_(fd), path_(std::move(path)), thread_([this] { run(); }) {}

GroupSync::~GroupSync() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  thread_.join();
  ::close(fd_);
}

uint64_t GroupSync::request() {
  uint64_t t;
  {
    std::lock_guard lock(mu_);
    t = ++requested_;
  }
  work_cv_.notify_one();
  return t;
}

s3::Status GroupSync::wait(uint64_t ticket) {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return done_ >= ticket; });
  if (ticket <= forgotten_) return s3::Error(s3::Code::InternalError, "syncfs " + path_ + " failed");
  for (const auto& f : failures_)
    if (ticket >= f.first && ticket <= f.last) return s3::Error(s3::Code::InternalError, f.message);
  return {};
}

void GroupSync::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    // Finish what was asked before stopping: a waiter must not hang.
    work_cv_.wait(lock, [&] { return stop_ || requested_ > done_; });
    if (requested_ == done_) return;
    // Everything asked until now rides on this syncfs; later asks wait for the next.
    const uint64_t first = done_ + 1, last = requested_;
    lock.unlock();
    const int rc = ::syncfs(fd_);
    const int err = errno;
    lock.lock();
    if (rc != 0) {
      failures_.push_back({first, last, "syncfs " + path_ + ": " + std::strerror(err)});
      if (failures_.size() > 64) {
        // A waiter that has slept through 64 failed batches still hears it failed.
        forgotten_ = failures_.front().last;
        failures_.pop_front();
      }
    }
    done_ = last;
    done_cv_.notify_all();
  }
}

}  // namespace silt
