#include "cmd/sse_keys.h"

#include <fstream>
#include <sstream>

namespace silt {

namespace {
// Key files are small; a larger file is a wrong path, not a keyring.
constexpr std::streamsize kMaxKeyFile = 1 << 20;

s3::Result<crypto::KeySet> from_text(const std::string& text, const std::string& source) {
  auto set = crypto::KeySet::parse(text);
  if (!set) return s3::Error(s3::Code::InvalidArgument, source + ": " + set.error().message);
  return set;
}

s3::Result<crypto::KeySet> from_file(const std::string& path) {
  if (path.empty()) return crypto::KeySet{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return s3::Error(s3::Code::InvalidArgument, "cannot read " + path);
  std::string text(static_cast<size_t>(kMaxKeyFile) + 1, '\0');
  in.read(text.data(), kMaxKeyFile + 1);
  if (in.gcount() > kMaxKeyFile) return s3::Error(s3::Code::InvalidArgument, path + ": larger than 1 MiB");
  text.resize(static_cast<size_t>(in.gcount()));
  auto set = from_text(text, path);
  if (set && set->empty()) return s3::Error(s3::Code::InvalidArgument, path + ": holds no key");
  return set;
}
}  // namespace

s3::Result<crypto::ServerKeys> load_sse_keys(const std::string& master_key_file, const std::string& keyring_file,
                                             const EnvLookup& env) {
  crypto::ServerKeys keys;
  if (!master_key_file.empty()) {
    auto m = from_file(master_key_file);
    if (!m) return m.error();
    keys.master = std::move(*m);
  } else if (const char* v = env("SILT_SSE_MASTER_KEY"); v && *v) {
    auto m = from_text(v, "SILT_SSE_MASTER_KEY");
    if (!m) return m.error();
    keys.master = std::move(*m);
  }
  auto ring = from_file(keyring_file);
  if (!ring) return ring.error();
  keys.keyring = std::move(*ring);
  return keys;
}

}  // namespace silt
