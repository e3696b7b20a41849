#include "server/s3/handlers/expiration.h"

#include "lifecycle/evaluate.h"
#include "lifecycle/rules.h"
#include "lifecycle/version_walk.h"
#include "lifecycle/worker.h"

namespace silt::server::handlers {

std::string expiration_for(Services& svc, const ObjectInfo& info) {
  if (!info.is_latest || info.delete_marker) return {};
  auto doc = svc.objects.get_bucket_config(info.bucket, "lifecycle");
  if (!doc || !*doc) return {};
  auto config =
      lifecycle::parse_configuration(**doc, [&](std::string_view c) { return svc.objects.has_storage_class(c); });
  if (!config) return {};
  const int64_t day_ms = svc.lifecycle ? svc.lifecycle->options().day_ms : lifecycle::kRealDayMs;
  auto e = lifecycle::expiration_of(*config, lifecycle::state_of(info, false), day_ms);
  return e ? lifecycle::expiration_header(*e) : std::string();
}

}  // namespace silt::server::handlers
