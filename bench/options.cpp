#include "bench/options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>
#include <map>

namespace silt::bench {

std::optional<uint64_t> parse_size(const std::string& s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) return std::nullopt;
  std::string unit(end, s.data() + s.size());
  static const std::map<std::string, double> kUnits = {
      {"", 1},          {"B", 1},           {"K", 1024.0},       {"KiB", 1024.0},
      {"M", 1048576.0}, {"MiB", 1048576.0}, {"G", 1073741824.0}, {"GiB", 1073741824.0}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end() || v < 0) return std::nullopt;
  return static_cast<uint64_t>(v * it->second);
}

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, Options& o) {
  CLI::App app{
      "silt-bench: S3 load generator (SigV4, path-style) for silt, Ceph RGW, s3rver or any S3 endpoint.\n"
      "Bodies are generated (random 1 MiB pattern, streamed), never read from disk.\n"
      "Examples:\n"
      "  silt-bench put --size 1G --count 3\n"
      "  silt-bench get --size 64M -c 16 --objects 16 --setup --duration 10\n"
      "  silt-bench ranged-get --size 1G -c 16 --setup --count 256\n"
      "  silt-bench list --objects 10000 --size 0 --setup --prefix l10k/ --count 50"};
  std::string mode = "put", endpoint = "http://127.0.0.1:9000", size = "4K", chunk = "64K", range = "1M";
  o.endpoint.creds.access_key = env_or("AWS_ACCESS_KEY_ID", "siltadmin");
  o.endpoint.creds.secret_key = env_or("AWS_SECRET_ACCESS_KEY", "siltadmin-secret");
  o.endpoint.region = env_or("AWS_DEFAULT_REGION", "us-east-1");
  app.add_option("mode", mode, "put | get | mixed | list | ranged-get")
      ->check(CLI::IsMember({"put", "get", "mixed", "list", "ranged-get"}))
      ->required();
  app.add_option("--endpoint", endpoint, "http://HOST:PORT or https://HOST:PORT")->capture_default_str();
  app.add_option("--ca-bundle", o.endpoint.tls.ca_bundle, "https: PEM file of trusted CAs (default: the system's)");
  app.add_flag("--insecure", o.endpoint.tls.insecure, "https: do not check the server's certificate");
  app.add_option("--region", o.endpoint.region, "SigV4 region (env AWS_DEFAULT_REGION)")->capture_default_str();
  app.add_option("--access-key", o.endpoint.creds.access_key, "env AWS_ACCESS_KEY_ID");
  app.add_option("--secret-key", o.endpoint.creds.secret_key, "env AWS_SECRET_ACCESS_KEY");
  app.add_option("--bucket", o.bucket)->capture_default_str();
  app.add_option("--prefix", o.prefix, "keys are PREFIXobj-NNNNNNNN")->capture_default_str();
  app.add_option("-s,--size", size, "object size: 4K, 64M, 1G ...")->capture_default_str();
  app.add_option("-c,--concurrency", o.concurrency, "connections, one thread each")
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  app.add_option("-d,--duration", o.duration_s, "seconds to run (ignored with --count)")->capture_default_str();
  app.add_option("-n,--count", o.count, "total operations (list: pages)");
  app.add_option("--objects", o.objects,
                 "key space: get/mixed/list read obj-0..N-1, put overwrites them (0: put writes new keys; get "
                 "defaults to --concurrency)");
  app.add_option("--payload", o.payload_name,
                 "unsigned (UNSIGNED-PAYLOAD) | signed (SHA-256 of the body) | chunked "
                 "(STREAMING-AWS4-HMAC-SHA256-PAYLOAD)")
      ->check(CLI::IsMember({"unsigned", "signed", "chunked"}))
      ->capture_default_str();
  std::string pattern = "random";
  app.add_option("--pattern", pattern,
                 "body bytes: random (default) | zeros (compresses to nothing: lets 64 x 1 GiB uploads through "
                 "a zstd pool fit a small disk when measuring memory)")
      ->check(CLI::IsMember({"random", "zeros"}))
      ->capture_default_str();
  app.add_option("--chunk-size", chunk, "aws-chunked chunk size (divides 1M)")->capture_default_str();
  app.add_option("--range-size", range, "ranged-get: bytes per range")->capture_default_str();
  app.add_option("--read-pct", o.read_pct, "mixed: percent of operations that are GETs")
      ->check(CLI::Range(0u, 100u))
      ->capture_default_str();
  app.add_option("--max-keys", o.max_keys, "list: page size")->capture_default_str();
  app.add_option("--delimiter", o.delimiter, "list: delimiter ('' for none)")->capture_default_str();
  app.add_flag("--setup", o.setup,
               "first create the bucket and the objects the mode reads (get/mixed/list: --objects keys; "
               "ranged-get: one object)");
  app.add_flag("--setup-only", o.setup_only, "do the --setup step and exit");
  app.add_flag("--json", o.json, "print one JSON object instead of text");
  app.add_option("--label", o.label, "free text echoed in the output");
  app.add_option("--write-body", o.write_body,
                 "write the body silt-bench sends for --size to FILE and exit (so nginx can serve the same bytes)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto address = client::parse_endpoint(endpoint);
  if (!address) {
    std::fprintf(stderr, "%s\n", address.error().message.c_str());
    return 2;
  }
  o.endpoint.address = std::move(*address);
  auto sz = parse_size(size), cs = parse_size(chunk), rs = parse_size(range);
  if (!sz || !cs || !rs || *rs == 0) {
    std::fprintf(stderr, "bad size in --size, --chunk-size or --range-size\n");
    return 2;
  }
  o.size = *sz;
  o.chunk_size = *cs;
  o.range_size = *rs;
  o.mode_name = mode;
  static const std::map<std::string, Mode> kModes = {{"put", Mode::Put},
                                                     {"get", Mode::Get},
                                                     {"mixed", Mode::Mixed},
                                                     {"list", Mode::List},
                                                     {"ranged-get", Mode::RangedGet}};
  o.mode = kModes.at(mode);
  o.payload = o.payload_name == "signed"    ? PayloadKind::Signed
              : o.payload_name == "chunked" ? PayloadKind::Chunked
                                            : PayloadKind::Unsigned;
  o.zeros = pattern == "zeros";
  if (o.setup_only) o.setup = true;
  if (o.objects == 0 && (o.mode == Mode::Get || o.mode == Mode::Mixed)) o.objects = o.concurrency;
  if (o.mode == Mode::RangedGet) o.objects = 1;
  return std::nullopt;
}

}  // namespace silt::bench
