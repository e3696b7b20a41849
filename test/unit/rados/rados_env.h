// A RADOS-backed object layer on the test cluster named by $SILT_CEPH_CONF (test/
// integration/test_rados_unit.py starts one and runs this executable), in a RADOS
// namespace of its own per environment, so tests share the pools but never an object.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include "rados/backend.h"
#include "rados/rados_config.h"
#include "rados/rados_object_layer.h"
#include "rados/split.h"
#include "storage_env.h"

namespace silt::test {

inline constexpr uint32_t kStripe = 64 * 1024;  // small stripes: many data objects per test object

inline const char* ceph_conf() {
  return std::getenv("SILT_CEPH_CONF");
}

struct RadosEnv {
  explicit RadosEnv(const std::function<void(RadosConfig&)>& tweak = {}) {
    cfg = default_rados_config(ceph_conf() ? ceph_conf() : "");
    cfg.name_space = "unit-" + rados::random_id();
    cfg.stripe_bytes = kStripe;
    cfg.gc_interval_ms = 0;  // tests run GC passes themselves
    if (tweak) tweak(cfg);
    auto l = open_rados_object_layer(cfg);
    if (!l) throw std::runtime_error("open_rados_object_layer: " + l.error().message);
    layer = std::move(*l);
  }

  // A second gateway (another process in production): its own layer and cluster
  // connection, on this one's namespace with this one's settings, then tweak's.
  RadosEnv peer(const std::function<void(RadosConfig&)>& tweak = {}) const {
    return RadosEnv([&](RadosConfig& c) {
      c = cfg;
      if (tweak) tweak(c);
    });
  }

  RadosObjectLayer& rados() { return dynamic_cast<RadosObjectLayer&>(*layer); }
  rados::Backend& backend() { return rados().backend(); }

  s3::Result<ObjectInfo> put(const std::string& bucket, const std::string& key, const std::string& data,
                             const WriteConditions& cond = {}, size_t chunk = 10000) {
    auto w = layer->create_object(bucket, key, cond);
    if (!w) return w.error();
    for (size_t off = 0; off < data.size(); off += chunk)
      if (auto s = (*w)->write(data.data() + off, std::min(chunk, data.size() - off)); !s) return s.error();
    return (*w)->commit({});
  }

  s3::Result<std::string> get(const std::string& bucket, const std::string& key, uint64_t off = 0,
                              uint64_t len = UINT64_MAX, size_t chunk = 7777) {
    auto info = layer->stat_object(bucket, key, "");
    if (!info) return info.error();
    if (len == UINT64_MAX) len = info->size - off;
    auto r = layer->open_object(*info, off, len);
    if (!r) return r.error();
    std::string out;
    std::vector<char> buf(chunk);
    for (;;) {
      auto n = (*r)->read(buf.data(), buf.size());
      if (!n) return n.error();
      if (*n == 0) break;
      out.append(buf.data(), *n);
    }
    return out;
  }

  // Whether data object n of data_id exists in the STANDARD pool.
  bool data_object_exists(const std::string& data_id, uint64_t n) {
    uint64_t size = 0;
    time_t mtime = 0;
    return backend().pool_for_class("STANDARD")->io.stat(rados::data_oid(data_id, n), &size, &mtime) == 0;
  }

  // Entry names of every shard of a bucket starting with prefix, shard after shard
  // (paged: the OSD answers at most 1024 entries per request).
  std::vector<std::string> shard_entries(const std::string& bucket, const std::string& prefix) {
    backend().forget_bucket(bucket);
    auto map = backend().shard_map(bucket);
    if (!map) throw std::runtime_error(map.error().message);
    std::vector<std::string> out;
    for (const auto& range : (*map)->ranges) {
      std::string after;
      for (bool more = true; more;) {
        std::map<std::string, librados::bufferlist> vals;
        int rv = 0;
        librados::ObjectReadOperation op;
        op.omap_get_vals2(after, prefix, 1000, &vals, &more, &rv);
        if (int r = backend().index.operate(range.shard.oid, &op, nullptr); r < 0)
          throw std::runtime_error("omap read");
        for (const auto& [k, v] : vals) out.push_back(k);
        if (vals.empty()) break;
        after = vals.rbegin()->first;
      }
    }
    return out;
  }

  // Splits every shard of bucket that has two keys or more, `rounds` times over:
  // up to 2^rounds shards, whatever the threshold.
  void split_everywhere(const std::string& bucket, int rounds) {
    for (int round = 0; round < rounds; ++round) {
      backend().forget_bucket(bucket);
      auto map = backend().shard_map(bucket);
      if (!map) throw std::runtime_error(map.error().message);
      for (const auto& range : (*map)->ranges)
        if (auto s = rados::split_shard(backend(), bucket, range.shard); !s)
          throw std::runtime_error(s.error().message);
    }
  }

  RadosConfig cfg;
  std::unique_ptr<ObjectLayer> layer;
};

}  // namespace silt::test
