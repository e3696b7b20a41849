#include "server/ops/metrics.h"

#include "server/ops/request_record.h"
#include "server/s3/router.h"
#include "server/version.h"

namespace silt::server {

namespace {

// Where operations go once the table is full (a bound on the label space).
constexpr std::string_view kOther = "Other";

// The endpoint table's labels, and the two that name no endpoint: a request that reached
// no row, and the overflow.
std::vector<std::string_view> all_operations() {
  std::vector<std::string_view> ops = operation_names();
  ops.push_back(RequestRecord::kUnrouted);
  ops.push_back(kOther);
  return ops;
}

}  // namespace

const std::vector<double>& Metrics::duration_bounds() {
  static const std::vector<double> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,    1,     2.5,    5,     10,   30,    60,   120};
  return bounds;
}

Metrics::Operation::Operation(std::string n) : name(std::move(n)), duration(duration_bounds()) {
  for (auto& c : by_status) c.store(0, std::memory_order_relaxed);
}

Metrics::Metrics() : Metrics(all_operations()) {}

Metrics::Metrics(const std::vector<std::string_view>& operations) {
  size_t n = 0;
  for (auto name : operations) {
    if (known_.count(name) || n >= kMaxOperations) continue;
    ops_[n] = std::make_unique<Operation>(std::string(name));
    known_.emplace(ops_[n]->name, ops_[n].get());
    n++;
  }
  count_.store(n, std::memory_order_release);
}

Metrics::Operation* Metrics::find(std::string_view name) {
  if (auto it = known_.find(name); it != known_.end()) return it->second;
  // Not known at start: rare (a name added without updating the fixed list), so a lock is fine.
  std::lock_guard lock(add_mu_);
  size_t n = count_.load(std::memory_order_relaxed);
  for (size_t i = known_.size(); i < n; i++)
    if (ops_[i]->name == name) return ops_[i].get();
  if (n == kMaxOperations) {
    if (auto it = known_.find(kOther); it != known_.end()) return it->second;
    return nullptr;
  }
  ops_[n] = std::make_unique<Operation>(std::string(name));
  count_.store(n + 1, std::memory_order_release);
  return ops_[n].get();
}

void Metrics::record(std::string_view operation, int status, uint64_t bytes_in, uint64_t bytes_out, double seconds) {
  Operation* op = find(operation);
  if (!op) return;
  status = std::clamp(status, kMinStatus, kMaxStatus);
  op->by_status[status - kMinStatus].fetch_add(1, std::memory_order_relaxed);
  if (bytes_in) op->bytes_in.fetch_add(bytes_in, std::memory_order_relaxed);
  if (bytes_out) op->bytes_out.fetch_add(bytes_out, std::memory_order_relaxed);
  op->duration.observe(seconds);
}

void Metrics::count_exception(Escape where) {
  exceptions_[static_cast<size_t>(where)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t Metrics::exceptions(Escape where) const {
  return exceptions_[static_cast<size_t>(where)].load(std::memory_order_relaxed);
}

nlohmann::json Metrics::request_totals() const {
  uint64_t requests = 0, errors = 0, in = 0, out = 0;
  for (size_t i = 0, n = count(); i < n; i++) {
    const Operation& op = *ops_[i];
    for (int s = kMinStatus; s <= kMaxStatus; s++) {
      uint64_t c = op.by_status[s - kMinStatus].load(std::memory_order_relaxed);
      requests += c;
      if (s >= 400) errors += c;
    }
    in += op.bytes_in.load(std::memory_order_relaxed);
    out += op.bytes_out.load(std::memory_order_relaxed);
  }
  return {{"requests", requests}, {"errors", errors}, {"bytes_in", in}, {"bytes_out", out}};
}

void Metrics::write_requests(prom::Exposition& out) const {
  const size_t n = count();
  // Only operations that have served a request: a few dozen series, not hundreds of zeros.
  std::vector<const Operation*> seen;
  std::vector<prom::HistogramSnapshot> durations;
  for (size_t i = 0; i < n; i++) {
    auto snap = ops_[i]->duration.snapshot();
    if (snap.count == 0) continue;
    seen.push_back(ops_[i].get());
    durations.push_back(std::move(snap));
  }

  out.family("silt_requests_total", "counter", "S3 and silt requests answered, by operation and HTTP status.");
  for (const Operation* op : seen) {
    for (int s = kMinStatus; s <= kMaxStatus; s++) {
      uint64_t c = op->by_status[s - kMinStatus].load(std::memory_order_relaxed);
      if (!c) continue;
      std::string status = std::to_string(s);
      out.sample("silt_requests_total", {{"operation", op->name}, {"status", status}}, c);
    }
  }
  out.family("silt_request_duration_seconds", "histogram",
             "Time from a request's head read to its response written, by operation.");
  for (size_t i = 0; i < seen.size(); i++)
    out.histogram("silt_request_duration_seconds", {{"operation", seen[i]->name}}, duration_bounds(), durations[i]);
  out.family("silt_received_bytes_total", "counter", "Request body bytes read, by operation.");
  for (const Operation* op : seen)
    out.sample("silt_received_bytes_total", {{"operation", op->name}}, op->bytes_in.load(std::memory_order_relaxed));
  out.family("silt_sent_bytes_total", "counter", "Response body bytes written, by operation.");
  for (const Operation* op : seen)
    out.sample("silt_sent_bytes_total", {{"operation", op->name}}, op->bytes_out.load(std::memory_order_relaxed));
  // All three always, zeros included, so an alert on any increase has a series to watch.
  out.family("silt_uncaught_exceptions_total", "counter",
             "Exceptions that escaped request handling (a bug): where=\"request\" was answered 500 InternalError.");
  constexpr std::pair<Escape, std::string_view> kWhere[] = {
      {Escape::Request, "request"}, {Escape::Session, "session"}, {Escape::Accept, "accept"}};
  for (const auto& [where, name] : kWhere)
    out.sample("silt_uncaught_exceptions_total", {{"where", name}}, exceptions(where));
  out.family("silt_zero_copy_sent_bytes_total", "counter",
             "Response body bytes spliced from verified page-cache pages to the socket (plain http GETs).");
  out.sample("silt_zero_copy_sent_bytes_total", {}, zero_copy_bytes_.load(std::memory_order_relaxed));
}

std::string Metrics::render(Services& svc) {
  prom::Exposition out;
  write_requests(out);
  out.family("silt_uptime_seconds", "gauge", "Seconds since this silt process started serving.");
  out.sample("silt_uptime_seconds", {},
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  out.family("silt_build_info", "gauge", "Always 1; the version of this silt.");
  out.sample("silt_build_info", {{"version", SILT_VERSION}}, uint64_t{1});
  cluster_.write(out, svc);
  return out.take();
}

}  // namespace silt::server
