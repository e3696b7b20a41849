#include "server/ops/admin.h"

#include <charconv>

#include "erasure/healer.h"
#include "lifecycle/usage.h"
#include "lifecycle/worker.h"
#include "server/ops/admin_users.h"
#include "util/uri.h"

namespace silt::server {

namespace {

constexpr std::string_view kPrefix = "/_silt/admin/v1/";

Response json_response(const nlohmann::json& j) {
  Response r;
  r.content_type = "application/json";
  // Names stored before their UTF-8 was checked (a lifecycle rule id, say) must not make
  // dump() throw: bytes that are not UTF-8 come out as U+FFFD.
  r.body = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

std::string query_value(const std::vector<std::pair<std::string, std::string>>& q, std::string_view name) {
  for (const auto& [k, v] : q)
    if (k == name) return v;
  return {};
}

s3::Result<std::vector<int>> parse_days(std::string_view list) {
  std::vector<int> out;
  if (list.empty()) return std::vector<int>{30, 90, 365};
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    int d = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), d);
    if (ec != std::errc() || end != item.data() + item.size() || d < 0 || d > 100000)
      return s3::Error(s3::Code::InvalidArgument, "days must be a comma-separated list of whole days");
    out.push_back(d);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return out;
}

}  // namespace

bool is_admin_target(std::string_view target) {
  return target.rfind("/_silt/admin/", 0) == 0;
}

s3::Result<Response> handle_admin(std::string_view method, std::string_view target, Services& svc,
                                  std::string_view body) {
  const size_t qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const auto query = parse_query(qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1));
  if (path.rfind(kPrefix, 0) != 0)
    return s3::Error(s3::Code::InvalidRequest, "Unknown admin API version; this server speaks v1");
  const std::string_view call = path.substr(kPrefix.size());
  const std::string bucket = query_value(query, "bucket");
  auto expect = [&](std::string_view m) -> s3::Status {
    if (method == m) return {};
    return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
  };
  lifecycle::Worker* worker = svc.lifecycle;
  if (call == "users") return handle_admin_users(method, query, body, svc);

  if (call == "usage") {
    if (auto s = expect("GET"); !s) return s.error();
    auto usage = lifecycle::measure_usage(svc.objects, bucket);
    if (!usage) return usage.error();
    return json_response(lifecycle::usage_json(svc.objects.pools(), *usage));
  }
  if (call.rfind("lifecycle/", 0) == 0 && !worker)
    return s3::Error(s3::Code::ServiceUnavailable, "The lifecycle worker is not running");
  if (call == "lifecycle/run") {
    if (auto s = expect("POST"); !s) return s.error();
    if (!bucket.empty())
      if (auto b = svc.objects.head_bucket(bucket); !b) return b.error();
    return json_response({{"pass", worker->request_pass(bucket)}});
  }
  if (call == "lifecycle/status") {
    if (auto s = expect("GET"); !s) return s.error();
    return json_response(worker->status());
  }
  if (call == "lifecycle/simulate") {
    // GET simulates the stored rules; POST the LifecycleConfiguration in its body (unsaved).
    if (method != "POST")
      if (auto s = expect("GET"); !s) return s.error();
    if (bucket.empty()) return s3::Error(s3::Code::InvalidArgument, "simulate needs ?bucket=NAME");
    auto days = parse_days(query_value(query, "days"));
    if (!days) return days.error();
    auto sim = lifecycle::simulate(svc.objects, bucket, *days, worker->options().day_ms,
                                   method == "POST" ? std::optional<std::string_view>(body) : std::nullopt);
    if (!sim) return sim.error();
    return json_response(*sim);
  }
  if (call == "status" || call.rfind("heal/", 0) == 0) {
    if (!svc.healer) return s3::Error(s3::Code::ServiceUnavailable, "The healer is not running");
    if (call == "status") {
      if (auto s = expect("GET"); !s) return s.error();
      return json_response(svc.healer->cluster_status());
    }
    if (call == "heal/run") {
      if (auto s = expect("POST"); !s) return s.error();
      if (!bucket.empty())
        if (auto b = svc.objects.head_bucket(bucket); !b) return b.error();
      return json_response({{"pass", svc.healer->request_pass(bucket)}});
    }
    if (call == "heal/status") {
      if (auto s = expect("GET"); !s) return s.error();
      return json_response(svc.healer->status());
    }
  }
  return s3::Error(s3::Code::InvalidRequest, "Unknown admin API call: " + std::string(call));
}

}  // namespace silt::server
