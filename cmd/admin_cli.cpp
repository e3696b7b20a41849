#include "cmd/admin_cli.h"

#include <termios.h>
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
#include "cmd/admin_users.h"
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
  TlsOptions tls;
};

// Ends a command with a message; command() turns it into stderr and the exit code.
struct CommandError {
  std::string message;
};

AdminClient client(const Options& o) {
  auto ep = parse_endpoint(o.endpoint);
  if (!ep) throw CommandError{ep.error().message};
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  return AdminClient(*ep, root_credentials([](const char* name) { return std::getenv(name); }), o.region, timeout,
                     o.tls);
}

std::string call(AdminClient& c, std::string_view method, std::string_view path, const Query& query = {},
                 std::string_view body = {}) {
  auto r = c.call(method, path, query, body);
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

// A kind of pass the server runs in the background: how to start it, where to follow it,
// what its progress line and summary say.
struct PassCommand {
  std::string name;  // "lifecycle", "heal"
  std::string run_path;
  std::string status_path;
  std::function<Progress(const Json& pass, RateMeter& meter)> progress;
  std::string (*summary)(const Json& pass);
};

// Starts a pass, follows it on stderr until it is over, then prints what it did.
void run_and_follow(const Options& o, const PassCommand& cmd, const std::string& bucket) {
  AdminClient c = client(o);
  Json started = parse_object(call(c, "POST", cmd.run_path, {{"bucket", bucket}}), cmd.run_path);
  if (!started.contains("pass") || !started["pass"].is_number_integer())
    throw CommandError{"the answer to " + cmd.run_path + " has no pass id: " + started.dump()};
  uint64_t id = json_u64(started, "pass");
  bool tty = isatty(STDERR_FILENO) == 1;
  std::cerr << cmd.name << " pass " << id << " started" << (bucket.empty() ? "" : " on bucket " + bucket) << "\n";

  RateMeter meter;
  std::string body;
  Json status;
  PassState state;
  bool was_idle = false;  // (a bool beside the time: GCC 12 misreads an optional<time_point> as uninitialised)
  Clock::time_point idle_since;
  for (;;) {
    body = call(c, "GET", cmd.status_path);
    status = parse_object(body, cmd.status_path);
    state = find_pass(status, id);
    if (state.finished) break;
    // A pass the server accepted shows up as current (or behind another running pass) at once;
    // an idle server that never shows it has lost it, e.g. by restarting.
    bool idle = !status["current"].is_object() && !(status["running"].is_boolean() && status["running"].get<bool>()) &&
                !status["requested"].is_number();
    if (!idle || state.pass) {
      was_idle = false;
    } else if (!was_idle) {
      was_idle = true;
      idle_since = Clock::now();
    } else if (Clock::now() - idle_since > kLostPassAfter) {
      throw CommandError{cmd.name + " pass " + std::to_string(id) +
                         " is neither running nor finished; did silt restart?"};
    }
    if (tty && state.pass)
      std::cerr << "\r" << progress_line(cmd.progress(*state.pass, meter)) << "\x1b[K" << std::flush;
    std::this_thread::sleep_for(kPollInterval);
  }
  if (tty) std::cerr << "\r\x1b[K" << std::flush;

  // The pass's own record, or (when a later pass has already replaced it as `last`) none.
  if (o.json) {
    print_raw(body);
  } else if (state.pass) {
    std::cout << cmd.summary(*state.pass);
  } else if (status["last"].is_object()) {
    std::cout << cmd.name << " pass " << id << " finished; pass " << json_u64(status["last"], "id")
              << " has finished since, its summary:\n"
              << cmd.summary(status["last"]);
  } else {
    std::cout << cmd.name << " pass " << id << " finished\n";
  }
  if (state.pass && json_u64(*state.pass, "errors") > 0) {
    std::string last_error = json_string(*state.pass, "last_error");
    throw CommandError{cmd.name + " pass " + std::to_string(id) + " had " +
                       std::to_string(json_u64(*state.pass, "errors")) + " errors" +
                       (last_error.empty() ? "" : "; the last: " + last_error)};
  }
}

const PassCommand kLifecyclePass{"lifecycle", "lifecycle/run", "lifecycle/status",
                                 [](const Json& p, RateMeter& meter) {
                                   Progress progress = lifecycle_progress(p);
                                   progress.eta =
                                       eta_seconds(progress.scanned, progress.total, meter.update(progress.scanned));
                                   return progress;
                                 },
                                 render_pass_summary};

// Heal passes read every byte, so their ETA goes by bytes, not versions.
const PassCommand kHealPass{"heal", "heal/run", "heal/status",
                            [](const Json& p, RateMeter& meter) {
                              Progress progress;
                              progress.scanned = json_u64(p, "objects_scanned");
                              progress.total = json_u64(p, "objects_total");
                              uint64_t bytes = json_u64(p, "bytes_scanned"), total = json_u64(p, "bytes_total");
                              progress.detail = human_bytes(bytes) + "/" + human_bytes(total) + "  " +
                                                human_count(json_u64(p, "shards_repaired")) + " shards rebuilt";
                              progress.eta = eta_seconds(bytes, total, meter.update(bytes));
                              return progress;
                            },
                            render_heal_summary};

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

// The secret for `user add --secret-stdin`: typed at a prompt without echo when standard
// input is a terminal, else its first line.
std::string read_secret(const std::string& access_key) {
  termios saved{};
  const bool tty = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    std::cerr << "Secret key for " << access_key << ": " << std::flush;
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto secret = secret_from_input(std::cin);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!secret) throw CommandError{"--secret-stdin: no secret on standard input"};
  return *secret;
}

// `user add|list|remove`: access keys whose holders see and touch only their own buckets.
void add_user_commands(CLI::App* admin, const std::shared_ptr<Options>& o) {
  CLI::App* user = admin->add_subcommand("user", "Access keys: add, list, remove");
  user->require_subcommand(1);

  auto add_key = std::make_shared<std::string>();
  auto add_secret = std::make_shared<std::string>();
  auto secret_stdin = std::make_shared<bool>(false);
  auto display_name = std::make_shared<std::string>();
  auto canonical_id = std::make_shared<std::string>();
  CLI::App* add =
      user->add_subcommand("add", "Add an access key; prints its secret (generated unless --secret-stdin gives one)");
  add->add_option("access_key", *add_key, "The new access key")->required();
  // Taken only to refuse it with a message that says what to do instead.
  add->add_option("secret_key", *add_secret, "Refused: a secret in argv shows in ps and shell history")->group("");
  add->add_flag("--secret-stdin", *secret_stdin,
                "Read the secret (8 to 128 printable characters) from standard input, or prompt for it on a terminal");
  add->add_option("--display-name", *display_name,
                  "The name S3 documents show beside the user's canonical id (default: the access key)");
  add->add_option("--canonical-id", *canonical_id,
                  "The user's canonical id, 64 hex characters, to keep one from AWS or MinIO (default: a random one)");
  add->callback(command([=] {
    if (!add_secret->empty()) throw CommandError{secret_in_argv_message(*add_key)};
    std::string secret;
    if (*secret_stdin) secret = read_secret(*add_key);
    AdminClient c = client(*o);
    std::string body =
        call(c, "PUT", "users", {{"accessKey", *add_key}}, user_add_body(secret, *display_name, *canonical_id));
    if (o->json)
      print_raw(body);
    else
      std::cout << render_added_user(parse_object(body, "users"));
  }));

  CLI::App* list = user->add_subcommand("list", "Access keys, when they were added, which is the admin");
  one_call(
      list, o, "GET", "users", [] { return Query{}; }, render_users);

  auto remove_key = std::make_shared<std::string>();
  auto reassign_to = std::make_shared<std::string>();
  CLI::App* remove = user->add_subcommand(
      "remove", "Remove an access key; requests signed with it fail at once. Refused while it owns buckets");
  remove->add_option("access_key", *remove_key, "The access key")->required();
  remove->add_option("--reassign-to", *reassign_to, "Give the user's buckets to this user (or the admin) first");
  remove->callback(command([=] {
    AdminClient c = client(*o);
    Query query{{"accessKey", *remove_key}};
    if (!reassign_to->empty()) query.emplace_back("reassignTo", *reassign_to);
    call(c, "DELETE", "users", query);
    if (o->json) return;
    std::cout << "removed user " << *remove_key;
    if (!reassign_to->empty()) std::cout << "; its buckets now belong to " << *reassign_to;
    std::cout << "\n";
  }));
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
  admin
      ->add_option("--ca-bundle", o->tls.ca_bundle,
                   "PEM file of the CAs an https endpoint's certificate may chain to (default: the system's)")
      ->envname("AWS_CA_BUNDLE");
  admin->add_flag("--insecure", o->tls.insecure, "Do not check an https endpoint's certificate");
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

  auto heal_bucket = std::make_shared<std::string>();
  CLI::App* heal = admin->add_subcommand(
      "heal", "Check every shard now and rebuild the missing or damaged ones, with a progress bar");
  heal->add_option("--bucket", *heal_bucket, "Only this bucket");
  heal->callback(command([=] { run_and_follow(*o, kHealPass, *heal_bucket); }));

  CLI::App* status_cmd = admin->add_subcommand("status", "Drives (online, offline, healing), pools and healing");
  one_call(
      status_cmd, o, "GET", "status", [] { return Query{}; }, render_status);

  CLI::App* lifecycle =
      admin->add_subcommand("lifecycle", "Lifecycle passes: run one now, see progress, simulate rules");
  lifecycle->require_subcommand(1);

  auto run_bucket = std::make_shared<std::string>();
  CLI::App* run = lifecycle->add_subcommand("run", "Start a pass now and wait for it, with a progress bar");
  run->add_option("--bucket", *run_bucket, "Only this bucket");
  run->callback(command([=] { run_and_follow(*o, kLifecyclePass, *run_bucket); }));

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

  add_user_commands(admin, o);
}

}  // namespace silt::admin
