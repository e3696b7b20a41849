#include "server/ops/access_log.h"

#include <fcntl.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "server/ops/request_record.h"
#include "util/time.h"

namespace silt::server {

namespace {
constexpr size_t kQueue = 8192;

std::string iso8601_ms(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}
}  // namespace

s3::Result<std::unique_ptr<AccessLog>> AccessLog::open(const std::string& path) {
  std::unique_ptr<AccessLog> log(new AccessLog());
  try {
    spdlog::sink_ptr sink;
    if (path == "-") {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
      // spdlog would create it with the umask's default (often 0644): requests name users and keys.
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
      if (fd < 0)
        return s3::Error(s3::Code::InternalError, "cannot open access log " + path + ": " + std::strerror(errno));
      ::close(fd);
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false);
    }
    log->pool_ = std::make_shared<spdlog::details::thread_pool>(kQueue, 1);
    // Not registered with spdlog: --log-level does not apply to it.
    log->logger_ =
        std::make_shared<spdlog::async_logger>("access", sink, log->pool_, spdlog::async_overflow_policy::block);
    log->logger_->set_pattern("%v");
    log->logger_->set_level(spdlog::level::trace);
    log->logger_->flush_on(spdlog::level::trace);  // on the writer thread: tail -f sees each line
  } catch (const spdlog::spdlog_ex& e) {
    return s3::Error(s3::Code::InternalError, "cannot open access log " + path + ": " + e.what());
  }
  return log;
}

AccessLog::~AccessLog() {
  if (logger_) logger_->flush();
  logger_.reset();
  pool_.reset();  // joins the writer thread after it has written the queue
}

std::string AccessLog::line(const RequestRecord& rec, double seconds) {
  std::string remote;
  if (rec.remote.port() != 0) {
    auto addr = rec.remote.address();
    remote = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
    remote += ":" + std::to_string(rec.remote.port());
  }
  // In the documented order (docs/operations.md), not sorted.
  nlohmann::ordered_json j = {{"time", iso8601_ms(rec.received)},
                              {"request_id", rec.request_id},
                              {"remote", remote},
                              {"user", rec.user},
                              {"operation", rec.operation},
                              {"method", rec.method},
                              {"bucket", rec.bucket},
                              {"key", rec.key},
                              {"status", rec.status},
                              {"error", rec.error},
                              {"bytes_in", rec.bytes_in},
                              {"bytes_out", rec.bytes_out},
                              {"duration_ms", std::round(seconds * 1e6) / 1e3},
                              {"user_agent", rec.user_agent}};
  // Keys and user agents are whatever the client sent: invalid UTF-8 becomes U+FFFD, not an exception.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void AccessLog::write(const RequestRecord& rec, double seconds) {
  logger_->info(line(rec, seconds));
}

}  // namespace silt::server
