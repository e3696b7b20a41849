#include "server/ops/admin.h"

#include <charconv>
#include <chrono>

#include "lifecycle/usage.h"
#include "lifecycle/worker.h"
#include "object/maintenance.h"
#include "server/ops/admin_json.h"
#include "server/ops/admin_users.h"
#include "server/s3/router.h"
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

// The lifecycle and heal calls need their worker, whatever else is wrong with the request.
s3::Status lifecycle_running(const AdminCall& c) {
  if (c.svc.lifecycle) return {};
  return s3::Error(s3::Code::ServiceUnavailable, "The lifecycle worker is not running");
}

s3::Status healer_running(const AdminCall& c) {
  if (c.svc.maintenance) return {};
  return s3::Error(s3::Code::ServiceUnavailable, "The healer is not running");
}

}  // namespace

s3::Status AdminCall::expect(std::string_view m) const {
  if (method == m) return {};
  return s3::Error(s3::Code::MethodNotAllowed, "The specified method is not allowed against this resource.");
}

s3::Result<Response> admin_users(const AdminCall& c) {
  if (c.method != "GET")
    if (auto s = c.svc.freeze->admit_user_change(); !s) return s.error();
  return handle_admin_users(c.method, c.query, c.body, c.svc);
}

s3::Result<Response> admin_usage(const AdminCall& c) {
  if (auto s = c.expect("GET"); !s) return s.error();
  auto usage = lifecycle::measure_usage(c.svc.objects, c.bucket,
                                        c.svc.cluster ? c.svc.cluster->cluster_state().inline_bytes : 0);
  if (!usage) return usage.error();
  nlohmann::json j = usage_json(c.svc.objects.pools(), *usage);
  // The pools hold every bucket's data: beside one bucket's usage they would mislead.
  // The pending walk reads every shard's G/P/U/I entries: paid here only, beside the usage walk.
  if (c.svc.cluster && c.bucket.empty())
    j["cluster"] = usage_cross_check_json(check_pool_usage(c.svc.cluster->cluster_state(), c.svc.objects.pools(),
                                                           all_classes(*usage), c.svc.cluster->pending_data()));
  return json_response(j);
}

s3::Result<Response> admin_lifecycle_run(const AdminCall& c) {
  if (auto s = lifecycle_running(c); !s) return s.error();
  if (auto s = c.expect("POST"); !s) return s.error();
  if (!c.bucket.empty())
    if (auto b = c.svc.objects.head_bucket(c.bucket); !b) return b.error();
  return json_response({{"pass", c.svc.lifecycle->request_pass(c.bucket)}});
}

s3::Result<Response> admin_lifecycle_status(const AdminCall& c) {
  if (auto s = lifecycle_running(c); !s) return s.error();
  if (auto s = c.expect("GET"); !s) return s.error();
  return json_response(lifecycle_status_json(c.svc.lifecycle->status()));
}

s3::Result<Response> admin_lifecycle_simulate(const AdminCall& c) {
  if (auto s = lifecycle_running(c); !s) return s.error();
  // GET simulates the stored rules; POST the LifecycleConfiguration in its body (unsaved).
  if (c.method != "POST")
    if (auto s = c.expect("GET"); !s) return s.error();
  if (c.bucket.empty()) return s3::Error(s3::Code::InvalidArgument, "simulate needs ?bucket=NAME");
  auto days = parse_days(query_value(c.query, "days"));
  if (!days) return days.error();
  auto sim = lifecycle::simulate(c.svc.objects, c.bucket, *days, c.svc.lifecycle->options().day_ms,
                                 c.method == "POST" ? std::optional<std::string_view>(c.body) : std::nullopt);
  if (!sim) return sim.error();
  return json_response(simulation_json(*sim));
}

s3::Result<Response> admin_status(const AdminCall& c) {
  // A storage cluster heals itself: its state replaces the drives and the healer's.
  if (c.svc.cluster) {
    if (auto s = c.expect("GET"); !s) return s.error();
    return json_response({{"backend", "rados"},
                          {"cluster", cluster_state_json(c.svc.cluster->cluster_state())},
                          {"drives", nlohmann::json::array()},
                          {"pools", nlohmann::json::array()}});
  }
  if (auto s = healer_running(c); !s) return s.error();
  if (auto s = c.expect("GET"); !s) return s.error();
  Maintenance& m = *c.svc.maintenance;
  return json_response(cluster_status_json(m.drive_status(), m.pool_status(), m.heal_status()));
}

s3::Result<Response> admin_heal_run(const AdminCall& c) {
  if (auto s = healer_running(c); !s) return s.error();
  if (auto s = c.expect("POST"); !s) return s.error();
  if (!c.bucket.empty())
    if (auto b = c.svc.objects.head_bucket(c.bucket); !b) return b.error();
  return json_response({{"pass", c.svc.maintenance->request_heal(c.bucket)}});
}

s3::Result<Response> admin_heal_status(const AdminCall& c) {
  if (auto s = healer_running(c); !s) return s.error();
  if (auto s = c.expect("GET"); !s) return s.error();
  return json_response(heal_status_json(c.svc.maintenance->heal_status()));
}

s3::Result<Response> admin_freeze(const AdminCall& c) {
  WriteFreeze& f = *c.svc.freeze;
  if (c.method == "PUT") {
    // Writes admitted before the freeze may still be committing: wait for them, a while.
    const uint64_t left = f.freeze(std::chrono::seconds(30));
    // Lifecycle expirations would change the data the migration's last pass copies.
    if (c.svc.lifecycle) c.svc.lifecycle->pause(true);
    return json_response({{"frozen", true}, {"since_ms", f.frozen_since_ms()}, {"in_flight", left}});
  }
  if (c.method == "DELETE") {
    f.unfreeze();
    if (c.svc.lifecycle) c.svc.lifecycle->pause(false);
  } else if (auto s = c.expect("GET"); !s)
    return s.error();
  return json_response(
      {{"frozen", f.frozen_since_ms() != 0}, {"since_ms", f.frozen_since_ms()}, {"in_flight", f.in_flight()}});
}

s3::Result<Response> admin_unknown(const AdminCall& c) {
  if (c.path.rfind(kPrefix, 0) != 0)
    return s3::Error(s3::Code::InvalidRequest, "Unknown admin API version; this server speaks v1");
  const std::string_view call = c.path.substr(kPrefix.size());
  // A family whose worker is missing answers that first, as its calls do.
  if (call.rfind("lifecycle/", 0) == 0)
    if (auto s = lifecycle_running(c); !s) return s.error();
  if (call.rfind("heal/", 0) == 0)
    if (auto s = healer_running(c); !s) return s.error();
  return s3::Error(s3::Code::InvalidRequest, "Unknown admin API call: " + std::string(call));
}

s3::Result<Response> run_admin(AdminHandler call, std::string_view method, std::string_view target, Services& svc,
                               std::string_view body) {
  const size_t qmark = target.find('?');
  AdminCall c{method, target.substr(0, qmark), {}, {}, body, svc};
  c.query = parse_query(qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1));
  c.bucket = query_value(c.query, "bucket");
  return call(c);
}

s3::Result<Response> handle_admin(std::string_view method, std::string_view target, Services& svc,
                                  std::string_view body) {
  const Endpoint* e = route_own(http::string_to_verb(method), target, false);
  if (!e || !e->handler.admin) return s3::Error(s3::Code::InvalidRequest, "Not an admin API call");
  return run_admin(e->handler.admin, method, target, svc, body);
}

}  // namespace silt::server
