// silt-seed-rados: adds N zero-byte objects to a bucket of a RADOS-backed silt in
// batches, for listing benchmarks at 1M keys (bench/rados.sh), which would take
// hours through PUT on a loaded 2-core test cluster.
//
// The entries are those a zero-byte PUT into an unversioned bucket commits (O<key> and
// the null V, and a packed bucket's listing deltas, folded into blocks at the end), written through rados/seed.h:
// batches per shard in ops that assert the shard as a commit does, so the bucket's shards split as they fill, as under
// PUTs. Keys are <prefix>obj-NNNNNNNN, silt-bench's names. The keys must be new: nothing is checked or replaced, so
// seed only fresh prefixes, and only while no gateway writes those keys.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

#include "rados/backend.h"
#include "rados/seed.h"

namespace {

using namespace silt;
using namespace silt::rados;

struct Options {
  std::string ceph_conf;
  std::string index_pool = "silt.meta";
  std::string name_space;
  std::string bucket = "silt-bench";
  std::string prefix;
  uint64_t count = 0;
  unsigned batch = 340;
};

int fail(const std::string& what) {
  std::cerr << "silt-seed-rados: " << what << "\n";
  return 1;
}

std::string key_of(const Options& o, uint64_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "obj-%08llu", static_cast<unsigned long long>(i));
  return o.prefix + b;
}

int run(const Options& o) {
  auto conn = Connection::open(o.ceph_conf, "admin", RadosConfig{}.op_timeout_s);
  if (!conn) return fail(conn.error().message);
  auto index = (*conn)->ioctx(o.index_pool, o.name_space);
  if (!index) return fail(index.error().message);
  Backend b;
  b.index = std::move(*index);

  const auto t0 = std::chrono::steady_clock::now();
  constexpr uint64_t kChunk = 10000;  // keys held in memory at once
  for (uint64_t first = 0; first < o.count; first += kChunk) {
    std::vector<std::string> keys;
    for (uint64_t i = first; i < std::min(first + kChunk, o.count); ++i) keys.push_back(key_of(o, i));
    if (auto s = seed_empty_objects(b, o.bucket, keys, o.batch); !s) return fail(s.error().message);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"records\":%llu,\"seconds\":%.3f,\"records_s\":%.0f}\n", static_cast<unsigned long long>(o.count), s,
              s > 0 ? static_cast<double>(o.count) / s : 0.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"silt-seed-rados: zero-byte objects into a RADOS-backed silt bucket, in batches (bench/rados.sh)"};
  app.add_option("--ceph-conf", o.ceph_conf, "the cluster's ceph.conf")->required();
  app.add_option("--index-pool", o.index_pool, "silt's index pool (rados.index_pool)")->capture_default_str();
  app.add_option("--namespace", o.name_space, "silt's RADOS namespace (rados.namespace)");
  app.add_option("--bucket", o.bucket)->capture_default_str();
  app.add_option("--prefix", o.prefix, "keys are PREFIXobj-NNNNNNNN, all new");
  app.add_option("-n,--count", o.count, "keys to add")->required();
  app.add_option("--batch", o.batch, "keys per omap op")->check(CLI::Range(1u, 340u))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
