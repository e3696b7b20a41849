#include "crypto/aes_gcm.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <memory>

namespace silt::crypto {

namespace {
struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A context keyed for one message. EVP fails only on allocation or programming errors
// (key or nonce of the wrong size): both are bugs, so they abort rather than leak plaintext.
Ctx start(bool encrypt, std::string_view key, std::string_view nonce, std::string_view aad) {
  if (key.size() != kKeyBytes || nonce.size() != kNonceBytes) std::abort();
  Ctx c(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!c || EVP_CipherInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(nonce), encrypt ? 1 : 0) != 1 ||
      (!aad.empty() && EVP_CipherUpdate(c.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1))
    std::abort();
  return c;
}
}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) std::abort();
  return out;
}

void seal(std::string_view key, std::string_view nonce, std::string_view aad, const char* plain, size_t n,
          std::string& out) {
  Ctx c = start(true, key, nonce, aad);
  const size_t at = out.size();
  out.resize(at + n + kTagBytes);
  auto* dst = reinterpret_cast<unsigned char*>(out.data() + at);
  int len = 0, fin = 0;
  if ((n > 0 &&
       EVP_CipherUpdate(c.get(), dst, &len, reinterpret_cast<const unsigned char*>(plain), static_cast<int>(n)) != 1) ||
      EVP_CipherFinal_ex(c.get(), dst + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, dst + n) != 1)
    std::abort();
}

bool open(std::string_view key, std::string_view nonce, std::string_view aad, const char* sealed, size_t n,
          std::string& out) {
  if (n < kTagBytes) return false;
  const size_t body = n - kTagBytes;
  Ctx c = start(false, key, nonce, aad);
  const size_t at = out.size();
  out.resize(at + body);
  auto* dst = reinterpret_cast<unsigned char*>(out.data() + at);
  int len = 0, fin = 0;
  std::string tag(sealed + body, kTagBytes);
  bool ok = (body == 0 || EVP_CipherUpdate(c.get(), dst, &len, reinterpret_cast<const unsigned char*>(sealed),
                                           static_cast<int>(body)) == 1) &&
            EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_CipherFinal_ex(c.get(), dst + len, &fin) == 1;
  if (!ok) out.resize(at);
  return ok;
}

}  // namespace silt::crypto
