// silt-bench: measures one S3 workload against one endpoint (see silt-bench --help, docs/performance.md).
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "bench/options.h"
#include "bench/payload.h"
#include "bench/workloads.h"

namespace {

int write_body(const silt::bench::Payload& payload, uint64_t size, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::perror(path.c_str());
    return 1;
  }
  for (uint64_t off = 0; off < size;) {
    size_t n = payload.piece(off, size - off);
    if (std::fwrite(payload.slice(off, n).data(), 1, n, f) != n) {
      std::perror(path.c_str());
      std::fclose(f);
      return 1;
    }
    off += n;
  }
  return std::fclose(f) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace silt::bench;
  Options o;
  if (auto rc = parse_options(argc, argv, o)) return *rc;
  try {
    Payload payload(o.chunk_size, o.zeros);
    if (!o.write_body.empty()) return write_body(payload, o.size, o.write_body);
    if (o.setup) {
      std::string err = run_setup(o, payload);
      if (!err.empty()) {
        std::fprintf(stderr, "silt-bench: %s\n", err.c_str());
        return 1;
      }
      if (o.setup_only) return 0;
    }
    // A signed PUT needs the body's SHA-256 in its headers; compute it before the clock starts.
    if (o.payload == PayloadKind::Signed && (o.mode == Mode::Put || o.mode == Mode::Mixed))
      payload.body_sha256_hex(o.size);
    Summary s = run_workload(o, payload);
    if (o.json) {
      nlohmann::json j = to_json(s);
      j["mode"] = o.mode_name;
      j["size"] = o.size;
      j["concurrency"] = o.concurrency;
      j["payload"] = o.payload_name;
      j["endpoint"] = o.endpoint.host_header();
      if (!o.label.empty()) j["label"] = o.label;
      std::cout << j.dump() << std::endl;
    } else {
      std::printf("%s %s size %llu concurrency %u payload %s\n%s", o.mode_name.c_str(),
                  o.endpoint.host_header().c_str(), static_cast<unsigned long long>(o.size), o.concurrency,
                  o.payload_name.c_str(), to_text(s).c_str());
    }
    return s.errors == 0 && s.ops > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "silt-bench: %s\n", e.what());
    return 1;
  }
}
