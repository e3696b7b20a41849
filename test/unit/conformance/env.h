// What each conformance case starts from: a fresh backend (CONFORMANCE_ENV) and
// helpers to put and get whole objects, parts and ranges through ObjectLayer.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "../object_io.h"
#include "backend.h"

namespace silt::conformance {

inline std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Text with real entropy (random numbers in a fixed shape): compresses well, never repeats.
inline std::string log_text(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n)
    s += "{\"ts\":" + std::to_string(1700000000000ull + rng() % 100000) +
         ",\"user\":" + std::to_string(rng() % 100000) + ",\"path\":\"/api/v1/items/" + std::to_string(rng() % 5000) +
         "\",\"status\":" + std::to_string(rng() % 2 ? 200 : 404) + "}\n";
  s.resize(n);
  return s;
}

// One test case's backend.
class Env {
 public:
  // Makes the backend unless the running case is on its skip list.
  explicit Env(const BackendFactory& f) : name_(f.name) {
    const std::string running = Catch::getResultCapture().getCurrentTestName();
    for (const auto& s : f.skipped)
      if (s.test_case == running) skip_reason_ = s.reason;
    if (skipped()) return;
    backend_ = f.make();
    layer = &backend_->layer();
  }

  // Whether this case does not run on this backend (its skip list), and why.
  bool skipped() const { return !skip_reason_.empty(); }
  const std::string& skip_reason() const { return skip_reason_; }

  // The layer under test; reopen() replaces it.
  ObjectLayer* layer = nullptr;

  const std::string& name() const { return name_; }
  Capabilities capabilities() const { return backend_->capabilities(); }
  void reopen() {
    layer = nullptr;
    backend_->reopen();
    layer = &backend_->layer();
  }
  size_t data_items() { return backend_->data_items(); }
  size_t temp_items() { return backend_->temp_items(); }

  // Writes data in chunks of `chunk` bytes and commits it with meta into storage_class
  // (named, as server/ does, both to create_object and in the committed meta).
  s3::Result<ObjectInfo> put(const std::string& bucket, const std::string& key, const std::string& data,
                             size_t chunk = 1000, ObjectMeta meta = {}, const std::string& storage_class = {}) {
    auto w = layer->create_object(bucket, key, {}, storage_class);
    if (!w) return w.error();
    for (size_t off = 0; off < data.size(); off += chunk) {
      auto s = (*w)->write(data.data() + off, std::min(chunk, data.size() - off));
      if (!s) return s.error();
    }
    if (!storage_class.empty()) meta.storage_class = storage_class;
    return (*w)->commit(meta);
  }

  // Writes one part of an upload; returns what commit returns.
  s3::Result<ObjectInfo> put_part(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                  int number, const std::string& data, size_t chunk = 65536) {
    return silt::test::write_part(*layer, bucket, key, upload_id, number, data, chunk);
  }

  // Bytes [off, off+len) of the latest version (len UINT64_MAX: to the end), read
  // `chunk` bytes at a time.
  s3::Result<std::string> get(const std::string& bucket, const std::string& key, uint64_t off = 0,
                              uint64_t len = UINT64_MAX, size_t chunk = 777) {
    return get_version(bucket, key, "", off, len, chunk);
  }

  s3::Result<std::string> get_version(const std::string& bucket, const std::string& key, const std::string& version,
                                      uint64_t off = 0, uint64_t len = UINT64_MAX, size_t chunk = 777) {
    return silt::test::read_version(*layer, bucket, key, version, off, len, chunk);
  }

 private:
  std::string name_;
  std::string skip_reason_;
  std::unique_ptr<Backend> backend_;
};

inline Catch::Generators::GeneratorWrapper<BackendFactory> backends() {
  return Catch::Generators::from_range(registered_backends());
}

}  // namespace silt::conformance

// Declares `Env var` on a fresh backend: the enclosing TEST_CASE runs once per
// registered backend, and its failures are reported with the backend's name. On a
// backend that lists the case as skipped it warns why and returns.
#define CONFORMANCE_ENV(var)                                                                                 \
  ::silt::conformance::Env var(GENERATE(::silt::conformance::backends()));                                   \
  INFO("backend: " << var.name());                                                                           \
  if (var.skipped()) {                                                                                       \
    WARN("skipped on " << var.name() << ": \"" << ::Catch::getResultCapture().getCurrentTestName() << "\" (" \
                       << var.skip_reason() << ")");                                                         \
    return;                                                                                                  \
  }                                                                                                          \
  static_assert(true, "")
