// silt-seed-rados: adds N zero-byte objects to a bucket of a RADOS-backed silt in
// batches, for listing benchmarks at 1M keys (bench/rados.sh), which would take
// hours through PUT on a loaded 2-core test cluster.
//
// Every key gets the entries a zero-byte PUT into an unversioned bucket commits
// (rados/objects.cpp, prepare_commit): O<key> and V<key, vkey> holding the same
// index value, a null version, no D entry (an empty inline object has none). The
// value is the one silt itself wrote for --template (an existing zero-byte key of
// the bucket, PUT through the server first), with the key, the vkey and a fresh
// data id changed, so the records are byte for byte what the server writes.
// One omap_set of --batch keys per op, --in-flight ops at once, on the bucket's
// shard object (rados/backend.h, "Index pool"); keys are <prefix>obj-NNNNNNNN,
// silt-bench's names. The keys must be new: nothing is checked or replaced, so
// seed only fresh prefixes, and only while no gateway writes those keys.
// The layout is today's one shard per bucket; a shard map (range-partitioned
// shards) will have to pick the shard of each key.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>

#include "index/keys.h"
#include "index/listing_header.h"
#include "index/object_record.h"
#include "rados/backend.h"

namespace {

using namespace silt;
using namespace silt::rados;

struct Options {
  std::string ceph_conf;
  std::string index_pool = "silt.meta";
  std::string name_space;
  std::string bucket = "silt-bench";
  std::string template_key;
  std::string prefix;
  uint64_t count = 0;
  unsigned batch = 1000;
  unsigned in_flight = 4;
};

int fail(const std::string& what) {
  std::cerr << "silt-seed-rados: " << what << "\n";
  return 1;
}

uint64_t now_us() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::string key_of(const Options& o, uint64_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "obj-%08llu", static_cast<unsigned long long>(i));
  return o.prefix + b;
}

// The template's record: a zero-byte, inline, null version of the bucket's shard.
s3::Result<ObjectRecord> template_record(Backend& b, const std::string& shard, const std::string& key) {
  librados::ObjectReadOperation op;
  std::map<std::string, bufferlist> vals;
  int rv = 0;
  op.omap_get_vals_by_keys({object_entry(key)}, &vals, &rv);
  if (int r = b.index.operate(shard, &op, nullptr); r < 0) return rados_error("read", shard, r);
  if (vals.empty()) return s3::Error(s3::Code::NoSuchKey, "no key " + key + " in the bucket: PUT it first");
  auto rec = decode_object_record(vals.begin()->second.to_str());
  if (!rec) return rec.error();
  if (rec->info.size != 0 || !is_inline(*rec) || rec->info.version_id != "null" || rec->info.delete_marker)
    return s3::Error(s3::Code::InvalidArgument, "the template must be a zero-byte object of an unversioned bucket");
  return rec;
}

int run(const Options& o) {
  auto conn = Connection::open(o.ceph_conf, "admin");
  if (!conn) return fail(conn.error().message);
  auto index = (*conn)->ioctx(o.index_pool, o.name_space);
  if (!index) return fail(index.error().message);
  Backend b;
  b.index = std::move(*index);
  auto shard = b.bucket_shard(o.bucket);
  if (!shard) return fail(shard.error().message);
  auto tmpl = template_record(b, *shard, o.template_key);
  if (!tmpl) return fail(tmpl.error().message);

  const auto t0 = std::chrono::steady_clock::now();
  std::deque<std::unique_ptr<librados::AioCompletion, CompletionRelease>> pending;
  auto reap = [&]() -> int {
    auto& c = pending.front();
    c->wait_for_complete();
    int r = c->get_return_value();
    pending.pop_front();
    return r;
  };
  for (uint64_t first = 0; first < o.count; first += o.batch) {
    std::map<std::string, bufferlist> set;
    for (uint64_t i = first; i < std::min<uint64_t>(first + o.batch, o.count); ++i) {
      ObjectRecord rec = *tmpl;
      rec.info.key = key_of(o, i);
      rec.layout.data_id = random_id();
      for (auto& p : rec.parts) p.data_id = rec.layout.data_id;
      rec.version_key = keys::version_key_after("", now_us(), true);
      const std::string value = encode_index_record(rec);
      set.emplace(object_entry(rec.info.key), to_bl(value));
      set.emplace(version_entry(rec.info.key, rec.version_key), to_bl(value));
    }
    librados::ObjectWriteOperation op;
    // Only into a live shard, as every commit asserts (a DeleteBucket may be closing it).
    op.cmpxattr(kStateXattr, LIBRADOS_CMPXATTR_OP_EQ, to_bl(kLive));
    op.omap_set(set);
    pending.emplace_back(librados::Rados::aio_create_completion());
    if (int r = b.index.aio_operate(*shard, pending.back().get(), &op); r < 0)
      return fail("aio_operate: " + std::to_string(r));
    if (pending.size() >= o.in_flight)
      if (int r = reap(); r < 0) return fail(rados_error("omap_set", *shard, r).message);
  }
  while (!pending.empty())
    if (int r = reap(); r < 0) return fail(rados_error("omap_set", *shard, r).message);
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
  app.add_option("--template", o.template_key, "an existing zero-byte key of the bucket, written by silt")->required();
  app.add_option("--prefix", o.prefix, "keys are PREFIXobj-NNNNNNNN, all new");
  app.add_option("-n,--count", o.count, "keys to add")->required();
  app.add_option("--batch", o.batch, "keys per omap op")->check(CLI::Range(1u, 10000u))->capture_default_str();
  app.add_option("--in-flight", o.in_flight, "ops at once")->check(CLI::Range(1u, 64u))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
