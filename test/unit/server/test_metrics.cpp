#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "server/ops/access_log.h"
#include "server/ops/metrics.h"
#include "server/ops/prometheus.h"
#include "server/ops/request_record.h"
#include "server/s3/router.h"

using namespace silt::server;

namespace {
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text))
    if (l == line) return true;
  return false;
}
}  // namespace

TEST_CASE("a histogram's buckets are cumulative, le inclusive, and end in the count", "[metrics]") {
  const std::vector<double> bounds = {0.1, 1, 10};
  prom::Histogram h(bounds);
  for (double v : {0.05, 0.1, 0.5, 1.0, 5.0, 50.0, 500.0}) h.observe(v);
  auto s = h.snapshot();
  REQUIRE(s.cumulative.size() == 4);
  CHECK(s.cumulative == std::vector<uint64_t>{2, 4, 5, 7});
  CHECK(s.count == 7);
  CHECK(s.sum == Approx(556.65));
}

TEST_CASE("the exposition has HELP, TYPE, escaped labels and histogram series", "[metrics]") {
  prom::Exposition out;
  out.family("x_total", "counter", "Things\nand \\ more.");
  out.sample("x_total", {{"a", "q\"uo\\te\nd"}}, uint64_t{3});
  out.sample("x_total", {}, 1.5);
  const std::vector<double> bounds = {0.5, 2};
  prom::Histogram h(bounds);
  h.observe(1);
  h.observe(3);
  out.family("d_seconds", "histogram", "Durations.");
  out.histogram("d_seconds", {{"op", "Get"}}, bounds, h.snapshot());
  const std::string expected =
      "# HELP x_total Things\\nand \\\\ more.\n"
      "# TYPE x_total counter\n"
      "x_total{a=\"q\\\"uo\\\\te\\nd\"} 3\n"
      "x_total 1.5\n"
      "# HELP d_seconds Durations.\n"
      "# TYPE d_seconds histogram\n"
      "d_seconds_bucket{op=\"Get\",le=\"0.5\"} 0\n"
      "d_seconds_bucket{op=\"Get\",le=\"2\"} 1\n"
      "d_seconds_bucket{op=\"Get\",le=\"+Inf\"} 2\n"
      "d_seconds_sum{op=\"Get\"} 4\n"
      "d_seconds_count{op=\"Get\"} 2\n";
  CHECK(out.text() == expected);
  CHECK(prom::format_value(1.0 / 0.0) == "+Inf");
  CHECK(prom::format_value(0.0005) == "0.0005");
  CHECK(prom::format_value(120.0) == "120");
  CHECK(prom::format_value(1795321815.5) == "1795321815.5");
}

TEST_CASE("requests are counted per operation and status, with bytes and durations", "[metrics]") {
  Metrics m;
  m.record("GetObject", 200, 0, 4096, 0.002);
  m.record("GetObject", 200, 0, 4096, 0.004);
  m.record("GetObject", 404, 0, 300, 0.001);
  m.record("PutObject", 200, 1000, 0, 0.3);
  m.record("PutObject", 503, 10, 200, 200.0);  // beyond the last bound: +Inf only

  auto totals = m.request_totals();
  CHECK(totals["requests"] == 5);
  CHECK(totals["errors"] == 2);
  CHECK(totals["bytes_in"] == 1010);
  CHECK(totals["bytes_out"] == 8692);

  prom::Exposition out;
  m.write_requests(out);
  const std::string& t = out.text();
  CHECK(has_line(t, "silt_requests_total{operation=\"GetObject\",status=\"200\"} 2"));
  CHECK(has_line(t, "silt_requests_total{operation=\"GetObject\",status=\"404\"} 1"));
  CHECK(has_line(t, "silt_requests_total{operation=\"PutObject\",status=\"503\"} 1"));
  CHECK(has_line(t, "silt_request_duration_seconds_bucket{operation=\"GetObject\",le=\"0.0025\"} 2"));
  CHECK(has_line(t, "silt_request_duration_seconds_bucket{operation=\"GetObject\",le=\"+Inf\"} 3"));
  CHECK(has_line(t, "silt_request_duration_seconds_count{operation=\"GetObject\"} 3"));
  CHECK(has_line(t, "silt_request_duration_seconds_bucket{operation=\"PutObject\",le=\"120\"} 1"));
  CHECK(has_line(t, "silt_request_duration_seconds_bucket{operation=\"PutObject\",le=\"+Inf\"} 2"));
  CHECK(has_line(t, "silt_received_bytes_total{operation=\"PutObject\"} 1010"));
  CHECK(has_line(t, "silt_sent_bytes_total{operation=\"GetObject\"} 8492"));
  // Operations that served nothing have no series.
  CHECK(t.find("operation=\"DeleteObject\"") == std::string::npos);
}

TEST_CASE("every route of the table is known to the metrics", "[metrics]") {
  auto names = operation_names();
  CHECK(names.size() >= 30);
  CHECK(std::find(names.begin(), names.end(), "GetObject") != names.end());
  CHECK(std::find(names.begin(), names.end(), "CompleteMultipartUpload") != names.end());
}

TEST_CASE("an operation not known at start is added once", "[metrics]") {
  Metrics m(std::vector<std::string_view>{"GetObject", "Other"});
  m.record("Console", 200, 0, 0, 0.01);
  m.record("Console", 200, 0, 0, 0.01);
  prom::Exposition out;
  m.write_requests(out);
  CHECK(has_line(out.text(), "silt_requests_total{operation=\"Console\",status=\"200\"} 2"));
}

TEST_CASE("counting from many threads loses nothing", "[metrics]") {
  Metrics m;
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; i++) m.record(t % 2 ? "GetObject" : "PutObject", i % 10 ? 200 : 500, 1, 2, 0.001);
    });
  for (auto& th : threads) th.join();
  auto totals = m.request_totals();
  CHECK(totals["requests"] == kThreads * kEach);
  CHECK(totals["errors"] == kThreads * kEach / 10);
  CHECK(totals["bytes_in"] == kThreads * kEach);
  CHECK(totals["bytes_out"] == 2 * kThreads * kEach);
  prom::Exposition out;
  m.write_requests(out);
  CHECK(has_line(out.text(), "silt_request_duration_seconds_count{operation=\"GetObject\"} 40000"));
}

TEST_CASE("an access log line is one JSON object with the request's facts", "[metrics]") {
  RequestRecord r;
  r.remote = {boost::asio::ip::make_address("127.0.0.1"), 40000};
  r.begin("ABC123", "PUT", "/b/k%20x", "boto3/1.26");
  r.received = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795321815123));
  r.operation = "PutObject";
  r.user = "alice";
  r.bucket = "b";
  r.key = std::string("k x\xff", 4);  // not UTF-8: replaced, not thrown
  r.status = 200;
  r.bytes_in = 5;
  auto line = AccessLog::line(r, 0.0123456);
  CHECK(line.find('\n') == std::string::npos);
  auto j = nlohmann::json::parse(line);
  CHECK(j["time"] == "2026-11-22T04:30:15.123Z");
  CHECK(j["request_id"] == "ABC123");
  CHECK(j["remote"] == "127.0.0.1:40000");
  CHECK(j["user"] == "alice");
  CHECK(j["operation"] == "PutObject");
  CHECK(j["bucket"] == "b");
  CHECK(j["key"] == "k x\xEF\xBF\xBD");
  CHECK(j["status"] == 200);
  CHECK(j["error"] == "");
  CHECK(j["bytes_in"] == 5);
  CHECK(j["bytes_out"] == 0);
  CHECK(j["duration_ms"].get<double>() == Approx(12.346));
  CHECK(j["user_agent"] == "boto3/1.26");
}
