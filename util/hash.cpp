#include "util/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "util/strings.h"

namespace silt {

struct Digest::Impl {
  EVP_MD_CTX* ctx = nullptr;
  const EVP_MD* md = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

// Fetched once: OpenSSL 3 looks a digest up in its provider store (locks, a name
// lookup) on every init with EVP_sha256() and the like, and on every one-shot HMAC(),
// which cost more than hashing a request's few hundred bytes (docs/performance.md).
static const EVP_MD* fetched(const char* name, const EVP_MD* fallback) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md ? md : fallback;  // kept for the process's lifetime
}

static const EVP_MD* md_for(Digest::Kind k) {
  static const EVP_MD* md5 = fetched("MD5", EVP_md5());
  static const EVP_MD* sha1 = fetched("SHA1", EVP_sha1());
  static const EVP_MD* sha256 = fetched("SHA256", EVP_sha256());
  switch (k) {
    case Digest::Kind::MD5: return md5;
    case Digest::Kind::SHA1: return sha1;
    case Digest::Kind::SHA256: return sha256;
  }
  return sha256;
}

Digest::Digest(Kind k) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  impl_->md = md_for(k);
  EVP_DigestInit_ex(impl_->ctx, impl_->md, nullptr);
}
Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(const void* data, size_t n) {
  EVP_DigestUpdate(impl_->ctx, data, n);
}

std::string Digest::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &len);
  EVP_DigestInit_ex(impl_->ctx, impl_->md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

static std::string one_shot(Digest::Kind k, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md_for(k), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string md5_raw(std::string_view data) {
  return one_shot(Digest::Kind::MD5, data);
}
std::string sha256_raw(std::string_view data) {
  return one_shot(Digest::Kind::SHA256, data);
}
std::string sha256_hex(std::string_view data) {
  return hex_encode(sha256_raw(data));
}

// RFC 2104 over the fetched SHA-256 (see md_for): H((K ^ opad) || H((K ^ ipad) || data)).
std::string hmac_sha256_raw(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;  // SHA-256's block size
  unsigned char k[kBlock] = {};
  unsigned int len = 0;
  const EVP_MD* md = md_for(Digest::Kind::SHA256);
  if (key.size() > kBlock) {
    EVP_Digest(key.data(), key.size(), k, &len, md, nullptr);
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned char out[EVP_MAX_MD_SIZE];
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> held(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_MD_CTX* ctx = held.get();  // one per thread, reused
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x36;
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, pad, kBlock);
  EVP_DigestUpdate(ctx, data.data(), data.size());
  EVP_DigestFinal_ex(ctx, inner, &len);
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x5c;
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, pad, kBlock);
  EVP_DigestUpdate(ctx, inner, len);
  EVP_DigestFinal_ex(ctx, out, &len);
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hex_encode(std::string_view raw) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool hex_decode(std::string_view hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit_value(hex[i]), lo = hex_digit_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

std::string base64_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool base64_decode(std::string_view b64, std::string& out) {
  if (b64.size() % 4) return false;
  out.assign(3 * b64.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts padding as zero bytes; take them off again.
  size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') pad++;
  if (b64.size() > 1 && b64[b64.size() - 2] == '=') pad++;
  out.resize(static_cast<size_t>(n) - pad);
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace silt
