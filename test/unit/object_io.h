// Whole-object helpers over the ObjectLayer interface, shared by the erasure unit tests
// (storage/storage_env.h) and the backend conformance suite (conformance/env.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "object/object_layer.h"

namespace silt::test {

// Writes one part of an upload `chunk` bytes at a time; returns what commit returns.
inline s3::Result<ObjectInfo> write_part(ObjectLayer& layer, const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, int number, const std::string& data,
                                         size_t chunk) {
  auto w = layer.create_part(bucket, key, upload_id, number);
  if (!w) return w.error();
  for (size_t off = 0; off < data.size(); off += chunk) {
    auto s = (*w)->write(data.data() + off, std::min(chunk, data.size() - off));
    if (!s) return s.error();
  }
  return (*w)->commit({});
}

// Bytes [off, off+len) of a version ("" the latest; len UINT64_MAX: to the end), read
// `chunk` bytes at a time.
inline s3::Result<std::string> read_version(ObjectLayer& layer, const std::string& bucket, const std::string& key,
                                            const std::string& version, uint64_t off, uint64_t len, size_t chunk) {
  auto info = layer.stat_object(bucket, key, version);
  if (!info) return info.error();
  if (len == UINT64_MAX) len = info->size - off;
  auto r = layer.open_object(*info, off, len);
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

}  // namespace silt::test
