#include "rados/upkeep.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace silt::rados {

UpkeepWorker::~UpkeepWorker() {
  stop();
}

bool UpkeepWorker::post(std::string name, std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    if (queued_.count(name)) return true;
    if (queue_.size() >= kMaxQueued) return false;
    queued_.insert(name);
    queue_.emplace_back(std::move(name), std::move(job));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
  return true;
}

void UpkeepWorker::drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return (queue_.empty() && !running_job_) || stopping_; });
  // stop() may have dropped the queue while a job still runs: wait for that one too.
  idle_.wait(lock, [&] { return !running_job_; });
}

void UpkeepWorker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
    queued_.clear();
  }
  wake_.notify_all();
  idle_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t UpkeepWorker::jobs_run() const {
  std::lock_guard lock(mu_);
  return jobs_run_;
}

void UpkeepWorker::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    auto [name, job] = std::move(queue_.front());
    queue_.pop_front();
    // Off the queue before it runs: a commit arriving meanwhile queues it again, so the
    // work it adds is not missed by a run that already read past it.
    queued_.erase(name);
    running_job_ = true;
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {  // upkeep never takes the gateway down
      spdlog::warn("rados upkeep {}: {}", name, e.what());
    }
    lock.lock();
    running_job_ = false;
    ++jobs_run_;
    idle_.notify_all();
  }
  running_job_ = false;
  idle_.notify_all();
}

}  // namespace silt::rados
