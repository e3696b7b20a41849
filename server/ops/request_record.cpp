#include "server/ops/request_record.h"

#include <spdlog/spdlog.h>

#include "server/ops/access_log.h"
#include "server/ops/metrics.h"
#include "server/s3/handler.h"

namespace silt::server {

void RequestRecord::begin(std::string id, std::string_view m, std::string_view t, std::string_view ua) {
  auto keep = remote;
  *this = RequestRecord{};
  remote = keep;
  started = std::chrono::steady_clock::now();
  received = std::chrono::system_clock::now();
  request_id = std::move(id);
  method = m;
  target = t;
  user_agent = ua;
}

double RequestRecord::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void record_request(Services& svc, const RequestRecord& rec) {
  const double seconds = rec.seconds();
  if (svc.metrics) svc.metrics->record(rec.operation, rec.status, rec.bytes_in, rec.bytes_out, seconds);
  if (svc.access_log) svc.access_log->write(rec, seconds);
  spdlog::debug("{} {} {} {} {} {} in={} out={} {:.1f}ms", rec.request_id, rec.method, rec.target, rec.operation,
                rec.status, rec.error.empty() ? "-" : rec.error, rec.bytes_in, rec.bytes_out, seconds * 1000);
}

}  // namespace silt::server
