// An object layer on temporary drives with a 4 KiB block size, plus helpers to
// put and get whole objects or ranges.
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../object_io.h"
#include "erasure/erasure_config.h"
#include "erasure/erasure_object_layer.h"
#include "temp_dir.h"

namespace silt::test {

inline constexpr uint32_t kBlock = 4096;

inline std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

struct StorageEnv {
  explicit StorageEnv(int drives = 6, int parity = 2) {
    for (int i = 0; i < drives; ++i) cfg.drives.push_back(dir.path() + "/drive-" + std::to_string(i));
    cfg.parity = parity;
    cfg.block_size = kBlock;
    cfg.index_dir = dir.path() + "/index";
    reopen();
  }

  void reopen() {
    layer.reset();
    auto l = open_erasure_object_layer(cfg);
    if (!l) throw std::runtime_error("open_erasure_object_layer: " + l.error().message);
    layer = std::move(*l);
  }

  ErasureSet& set() { return dynamic_cast<ErasureObjectLayer&>(*layer).set(); }

  s3::Result<ObjectInfo> put(const std::string& bucket, const std::string& key, const std::string& data,
                             size_t chunk = 1000, const ObjectMeta& meta = {}) {
    auto w = layer->create_object(bucket, key);
    if (!w) return w.error();
    for (size_t off = 0; off < data.size(); off += chunk) {
      auto s = (*w)->write(data.data() + off, std::min(chunk, data.size() - off));
      if (!s) return s.error();
    }
    return (*w)->commit(meta);
  }

  // Writes one part of an upload; returns what commit returns.
  s3::Result<ObjectInfo> put_part(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                  int number, const std::string& data, size_t chunk = 65536) {
    return silt::test::write_part(*layer, bucket, key, upload_id, number, data, chunk);
  }

  s3::Result<std::string> get(const std::string& bucket, const std::string& key, uint64_t off = 0,
                              uint64_t len = UINT64_MAX, size_t chunk = 777) {
    return get_version(bucket, key, "", off, len, chunk);
  }

  s3::Result<std::string> get_version(const std::string& bucket, const std::string& key, const std::string& version,
                                      uint64_t off = 0, uint64_t len = UINT64_MAX, size_t chunk = 777) {
    return silt::test::read_version(*layer, bucket, key, version, off, len, chunk);
  }

  std::string data_id(const std::string& bucket, const std::string& key) {
    auto rec = set().index->get_object(bucket, key);
    return rec ? rec->layout.data_id : std::string();
  }

  // Number of files and directories below every drive's sub ("tmp" or "data"),
  // not counting the data/<2 hex>/ fan-out directories, which are kept. Counts
  // after the trash thread has removed what replaced or deleted data it was given.
  size_t count_entries(const std::string& sub) {
    set().trash.wait_idle();
    size_t n = 0;
    for (const auto& d : cfg.drives) {
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(d + "/" + sub, ec);
           it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (!(sub == "data" && it.depth() == 0 && it->is_directory())) ++n;
    }
    return n;
  }

  TempDir dir;
  ErasureConfig cfg;
  std::unique_ptr<ObjectLayer> layer;
};

}  // namespace silt::test
