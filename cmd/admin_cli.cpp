#include "cmd/admin_cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cmd/admin_client.h"
#include "cmd/admin_format.h"
#include "cmd/admin_views.h"

namespace silt::admin {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr auto kLostPassAfter = std::chrono::seconds(10);
constexpr size_t kJsonSnippet = 200;

struct Options {
  std::string endpoint = "http://127.0.0.1:9000";
  std::string region = "us-east-1";
  bool json = false;
  double timeout_s = 30;
};

// Ends a command with a message; command() turns it into stderr and the exit code.
struct CommandError {
  std::string message;
};

AdminClient client(const Options& o) {
  auto ep = parse_endpoint(o.endpoint);
  if (!ep) throw CommandError{ep.error().message};
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  return AdminClient(*ep, root_credentials([](const char* name) { return std::getenv(name); }), o.region, timeout);
}

std::string call(AdminClient& c, std::string_view method, std::string_view path, const Query& query = {}) {
  auto r = c.call(method, path, query);
  if (!r) throw CommandError{r.error().message};
  return std::move(*r);
}

Json parse_object(const std::string& body, std::string_view path) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw CommandError{"the answer to " + std::string(path) +
                       " is not a JSON object: " + body.substr(0, std::min(body.size(), kJsonSnippet))};
  return j;
}

void print_raw(const std::string& body) {
  std::cout << body;
  if (body.empty() || body.back() != '\n') std::cout << '\n';
}

// A command's callback: runs body, and turns a failure into a message and exit code 1.
std::function<void()> command(std::function<void()> body) {
  return [body = std::move(body)] {
    try {
      body();
      std::cout.flush();
    } catch (const CommandError& e) {
      std::cout.flush();
      std::cerr << "silt admin: " << e.message << "\n";
      throw CLI::RuntimeError(1);
    }
  };
}

// The usual admin command: one call, then the server's JSON (--json) or its view of it.
// Adding an endpoint is a subcommand, its options, and one of these.
void one_call(CLI::App* cmd, std::shared_ptr<Options> o, std::string method, std::string path,
              std::function<Query()> query, std::string (*view)(const Json&)) {
  cmd->callback(command([=] {
    AdminClient c = client(*o);
    std::string body = call(c, method, path, query());
    if (o->json)
      print_raw(body);
    else
      std::cout << view(parse_object(body, path));
  }));
}

// Objects per second since the first time this pass was seen, on this machine's clock
// (the server's clock may differ from ours, so its started_ms cannot be used for a rate).
class RateMeter {
 public:
  double update(uint64_t scanned) {
    auto now = Clock::now();
    if (!first_) first_ = std::make_pair(now, scanned);
    double secs = std::chrono::duration<double>(now - first_->first).count();
    if (secs < 1 || scanned <= first_->second) return 0;
    return static_cast<double>(scanned - first_->second) / secs;
  }

 private:
  std::optional<std::pair<Clock::time_point, uint64_t>> first_;
};

// Starts a pass, follows it on stderr until it is over, then prints what it did.
void lifecycle_run(const Options& o, const std::string& bucket) {
  AdminClient c = client(o);
  Json started = parse_object(call(c, "POST", "lifecycle/run", {{"bucket", bucket}}), "lifecycle/run");
  if (!started.contains("pass") || !started["pass"].is_number_integer())
    throw CommandError{"the answer to lifecycle/run has no pass id: " + started.dump()};
  uint64_t id = json_u64(started, "pass");
  bool tty = isatty(STDERR_FILENO) == 1;
  std::cerr << "lifecycle pass " << id << " started" << (bucket.empty() ? "" : " on bucket " + bucket) << "\n";

  RateMeter meter;
  std::string body;
  Json status;
  PassState state;
  bool was_idle = false;  // (a bool beside the time: GCC 12 misreads an optional<time_point> as uninitialised)
  Clock::time_point idle_since;
  for (;;) {
    body = call(c, "GET", "lifecycle/status");
    status = parse_object(body, "lifecycle/status");
    state = find_pass(status, id);
    if (state.finished) break;
    // A pass the server accepted shows up as current (or behind another running pass) at once;
    // an idle server that never shows it has lost it, e.g. by restarting.
    bool idle = !status["current"].is_object() && !(status["running"].is_boolean() && status["running"].get<bool>());
    if (!idle || state.pass) {
      was_idle = false;
    } else if (!was_idle) {
      was_idle = true;
      idle_since = Clock::now();
    } else if (Clock::now() - idle_since > kLostPassAfter) {
      throw CommandError{"lifecycle pass " + std::to_string(id) +
                         " is neither running nor finished; did silt restart?"};
    }
    if (tty && state.pass) {
      const Json& p = *state.pass;
      Progress progress;
      progress.scanned = json_u64(p, "objects_scanned");
      progress.total = json_u64(p, "objects_total");
      progress.moved_objects = json_u64(p, "transitioned");
      progress.moved_bytes = json_u64(p, "bytes_transitioned");
      progress.expired = json_u64(p, "expired");
      progress.eta = eta_seconds(progress.scanned, progress.total, meter.update(progress.scanned));
      std::cerr << "\r" << progress_line(progress) << "\x1b[K" << std::flush;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  if (tty) std::cerr << "\r\x1b[K" << std::flush;

  // The pass's own record, or (when a later pass has already replaced it as `last`) none.
  if (o.json) {
    print_raw(body);
  } else if (state.pass) {
    std::cout << render_pass_summary(*state.pass);
  } else if (status["last"].is_object()) {
    std::cout << "lifecycle pass " << id << " finished; pass " << json_u64(status["last"], "id")
              << " has finished since, its summary:\n"
              << render_pass_summary(status["last"]);
  } else {
    std::cout << "lifecycle pass " << id << " finished\n";
  }
  if (state.pass && json_u64(*state.pass, "errors") > 0) {
    std::string last_error = json_string(*state.pass, "last_error");
    throw CommandError{"lifecycle pass " + std::to_string(id) + " had " +
                       std::to_string(json_u64(*state.pass, "errors")) + " errors" +
                       (last_error.empty() ? "" : "; the last: " + last_error)};
  }
}

// "30,90,365": positive whole days, as the simulate endpoint takes them. CLI11 prefixes the message
// with the option's name.
std::string check_days(const std::string& days) {
  if (days.empty()) return "needs at least one horizon";
  size_t start = 0;
  while (start <= days.size()) {
    size_t comma = std::min(days.find(',', start), days.size());
    std::string_view part(days.data() + start, comma - start);
    if (part.empty() || part.size() > 6 || part.find_first_not_of("0123456789") != std::string_view::npos ||
        part.find_first_not_of('0') == std::string_view::npos)
      return "takes positive whole days separated by commas (e.g. 30,90,365), got " + days;
    start = comma + 1;
  }
  return "";
}

}  // namespace

void add_admin_commands(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* admin = app.add_subcommand("admin", "Ask a running silt through its signed admin API");
  admin->require_subcommand(1);
  // `silt admin usage --json` as well as `silt admin --json usage`; subcommands inherit this.
  admin->fallthrough();
  admin->add_option("--endpoint", o->endpoint, "The silt to ask")->capture_default_str();
  admin->add_option("--region", o->region, "Region to sign for (the server's --region)")->capture_default_str();
  admin->add_option("--timeout", o->timeout_s, "Seconds to wait for each answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  admin->add_flag("--json", o->json, "Print the server's JSON as it is");
  admin->footer(
      "Signs with SILT_ROOT_USER/SILT_ROOT_PASSWORD, else MINIO_ROOT_USER/MINIO_ROOT_PASSWORD,\n"
      "else the development pair silt uses on loopback. The API: docs/admin-api.md");

  auto usage_bucket = std::make_shared<std::string>();
  CLI::App* usage =
      admin->add_subcommand("usage", "Objects, logical and stored bytes and monthly cost per bucket and class");
  usage->add_option("--bucket", *usage_bucket, "Only this bucket");
  one_call(
      usage, o, "GET", "usage",
      [=] {
        return Query{{"bucket", *usage_bucket}};
      },
      render_usage);

  CLI::App* lifecycle =
      admin->add_subcommand("lifecycle", "Lifecycle passes: run one now, see progress, simulate rules");
  lifecycle->require_subcommand(1);

  auto run_bucket = std::make_shared<std::string>();
  CLI::App* run = lifecycle->add_subcommand("run", "Start a pass now and wait for it, with a progress bar");
  run->add_option("--bucket", *run_bucket, "Only this bucket");
  run->callback(command([=] { lifecycle_run(*o, *run_bucket); }));

  CLI::App* status = lifecycle->add_subcommand("status", "The running pass, the last pass, and per-rule progress");
  one_call(
      status, o, "GET", "lifecycle/status", [] { return Query{}; }, render_lifecycle_status);

  auto sim_bucket = std::make_shared<std::string>();
  auto sim_days = std::make_shared<std::string>("30,90,365");
  CLI::App* simulate =
      lifecycle->add_subcommand("simulate", "What the bucket's rules would expire and move, and what it would cost");
  simulate->add_option("--bucket", *sim_bucket, "The bucket")->required();
  simulate->add_option("--days", *sim_days, "Horizons in days, comma-separated")
      ->capture_default_str()
      ->check([](const std::string& v) { return check_days(v); });
  one_call(
      simulate, o, "GET", "lifecycle/simulate",
      [=] {
        return Query{{"bucket", *sim_bucket}, {"days", *sim_days}};
      },
      render_simulation);
}

}  // namespace silt::admin
