// silt-load-index: writes N object records for one bucket straight into the
// index of a STOPPED silt, for listing benchmarks at 1M and 10M keys, which
// would take hours through PUT. Keys are shaped like a data lake:
//   <prefix>logs/2026/11/01/host-017/part-00042.json
// (--parts-per-host parts per host directory, --hosts hosts per day, then the
// next day), so a delimiter listing meets common prefixes at every level.
//
// The records are zero-byte objects that own no data directory: the shape of
// a multipart object with no parts (layout without data id, parts []), so
// GET/HEAD answer an empty body, the startup orphan sweep and the healer find
// no data dir to look for, and usage counts 0 bytes. The bucket is created
// (Index::create_bucket) when missing; it must be unversioned, and the prefix
// must be empty, so every key gets exactly one (null) version.
// Writes go through index::IndexBuilder: LevelDB write batches of the same
// keys and values the server writes (docs/format.md, "Index (LevelDB)").
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "index/index.h"
#include "index/index_builder.h"
#include "index/keys.h"

namespace {

using namespace silt;

struct Options {
  std::string data;
  std::string bucket = "silt-bench";
  std::string prefix;
  uint64_t count = 0;
  uint64_t hosts = 50;
  uint64_t parts_per_host = 2000;
  int k = 4;
  int m = 2;
  bool plain_json = false;
};

// Days since 1970-01-01 to "YYYY/MM/DD" (Howard Hinnant's civil_from_days).
std::string date_path(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t mo = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (mo <= 2);
  char b[16];
  std::snprintf(b, sizeof b, "%04d/%02d/%02d", static_cast<int>(y), static_cast<int>(mo), static_cast<int>(d));
  return b;
}

constexpr int64_t kFirstDay = 20758;  // 2026-11-01

std::string key_of(const Options& o, uint64_t i) {
  const uint64_t part = i % o.parts_per_host;
  const uint64_t host = (i / o.parts_per_host) % o.hosts;
  const uint64_t day = i / (o.parts_per_host * o.hosts);
  char b[96];
  std::snprintf(b, sizeof b, "/host-%03llu/part-%05llu.json", static_cast<unsigned long long>(host),
                static_cast<unsigned long long>(part));
  return o.prefix + "logs/" + date_path(kFirstDay + static_cast<int64_t>(day)) + b;
}

int fail(const std::string& what) {
  std::cerr << "silt-load-index: " << what << "\n";
  return 1;
}

int run(const Options& o) {
  const std::string dir = o.data + "/index";
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  {
    // The checks go through the index's own API; it is closed before the bulk writes.
    auto idx = Index::open(dir);
    if (!idx) return fail(idx.error().message);
    auto b = (*idx)->get_bucket(o.bucket);
    if (!b && b.error().code == s3::Code::NoSuchBucket) {
      if (auto s = (*idx)->create_bucket(o.bucket, now_ms); !s) return fail(s.error().message);
      b = (*idx)->get_bucket(o.bucket);
    }
    if (!b) return fail(b.error().message);
    if (b->versioning != Versioning::Unversioned) return fail("bucket " + o.bucket + " is versioned");
    ListParams lp;
    lp.prefix = o.prefix;
    lp.max_keys = 1;
    auto l = (*idx)->list_objects(o.bucket, lp);
    if (!l) return fail(l.error().message);
    if (!l->objects.empty() || !l->prefixes.empty())
      return fail("bucket " + o.bucket + " already has keys under prefix \"" + o.prefix + "\"");
  }
  auto builder = IndexBuilder::append(dir);
  if (!builder) return fail(builder.error().message);
  (*builder)->write_plain_json(o.plain_json);

  ObjectRecord r;
  r.info.bucket = o.bucket;
  r.info.version_id = "null";
  r.info.size = 0;
  r.info.etag = "d41d8cd98f00b204e9800998ecf8427e";  // MD5 of nothing
  r.info.mtime_ms = now_ms;
  r.info.meta.content_type = "application/json";
  r.info.meta.storage_class = "STANDARD";
  r.layout.k = o.k;
  r.layout.m = o.m;
  r.layout.block_size = 1 << 20;
  r.version_key = keys::make_version_key(static_cast<uint64_t>(now_ms) * 1000, true);
  std::vector<ObjectRecord> one(1, r);

  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < o.count; ++i) {
    one[0].info.key = key_of(o, i);
    if (auto s = (*builder)->put_key_versions(one); !s) return fail(s.error().message);
    if ((i + 1) % 1000000 == 0) std::cerr << "silt-load-index: " << (i + 1) << " records\n";
  }
  if (auto s = (*builder)->finish(); !s) return fail(s.error().message);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"records\":%llu,\"seconds\":%.2f,\"records_per_s\":%.0f,\"first_key\":\"%s\",\"last_key\":\"%s\"}\n",
              static_cast<unsigned long long>(o.count), secs, secs > 0 ? static_cast<double>(o.count) / secs : 0.0,
              o.count ? key_of(o, 0).c_str() : "", o.count ? key_of(o, o.count - 1).c_str() : "");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Writes N zero-byte object records into the index of a stopped silt (listing benchmarks)."};
  app.add_option("--data", o.data, "silt's data directory (the index is DATA/index); silt must not be running")
      ->required();
  app.add_option("--bucket", o.bucket, "bucket (created when missing; must be unversioned)")->capture_default_str();
  app.add_option("--prefix", o.prefix, "key prefix in front of logs/...; nothing may exist under it yet");
  app.add_option("-n,--count", o.count, "number of keys")->required();
  app.add_option("--hosts", o.hosts, "host-NNN directories per day")->capture_default_str()->check(CLI::Range(1, 999));
  app.add_option("--parts-per-host", o.parts_per_host, "part-NNNNN.json keys per host directory")
      ->capture_default_str()
      ->check(CLI::Range(1, 99999));
  app.add_option("--k", o.k, "data shards recorded in the layout (as the pool's)")->capture_default_str();
  app.add_option("--m", o.m, "parity shards recorded in the layout")->capture_default_str();
  app.add_flag("--plain-json", o.plain_json,
               "write values without the listing header, as silt before it did (A/B against older binaries)");
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
