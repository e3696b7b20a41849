#include "rados/frames.h"

#include <zstd.h>

#include <memory>
#include <string>

namespace silt::rados {

bufferlist encode_stripe(bufferlist raw, int level) {
  if (level <= 0 || raw.length() == 0) return raw;
  std::string frame(raw.length() - 1, '\0');  // room for a frame that saves at least a byte
  const std::string in = raw.to_str();
  const size_t r = ZSTD_compress(frame.data(), frame.size(), in.data(), in.size(), level);
  if (ZSTD_isError(r)) return raw;  // "does not fit": incompressible, stored raw
  frame.resize(r);
  return to_bl(frame);
}

s3::Result<bufferlist> decode_stripe(bufferlist stored, uint64_t raw_len, const std::string& oid) {
  if (stored.length() == raw_len) return stored;
  if (stored.length() > raw_len)
    return s3::Error(s3::Code::InternalError, "rados: data object " + oid + " is longer than its record says");
  std::string out(raw_len, '\0');
  const std::string in = stored.to_str();
  const size_t r = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(r) || r != raw_len)
    return s3::Error(s3::Code::InternalError, "rados: data object " + oid + " does not decompress to its size");
  return to_bl(out);
}

}  // namespace silt::rados
