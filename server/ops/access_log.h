// The access log (--access-log PATH, "-" for stdout): one JSON object per request
// and line. Lines go through a queue to a writer thread (spdlog's async logger),
// so an io thread only formats the line; it waits only if the disk falls 8192
// lines behind.
#pragma once

#include <memory>
#include <string>

#include "common/error.h"

namespace spdlog {
class logger;
namespace details {
class thread_pool;
}
}  // namespace spdlog

namespace silt::server {

struct RequestRecord;

class AccessLog {
 public:
  // A new file is created 0640 (before the umask); an existing one is appended to.
  static s3::Result<std::unique_ptr<AccessLog>> open(const std::string& path);
  ~AccessLog();  // writes out what is queued

  void write(const RequestRecord& rec, double seconds);

  // The line for one request (unit tests).
  static std::string line(const RequestRecord& rec, double seconds);

 private:
  AccessLog() = default;
  std::shared_ptr<spdlog::details::thread_pool> pool_;  // outlives logger_: the logger only holds a weak_ptr
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace silt::server
