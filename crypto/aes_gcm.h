// AES-256-GCM through OpenSSL's EVP interface: the one cipher silt's encryption at rest
// uses (docs/encryption.md), for object data packages and for sealing data keys.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace silt::crypto {

inline constexpr size_t kKeyBytes = 32;    // AES-256
inline constexpr size_t kNonceBytes = 12;  // GCM's 96-bit IV
inline constexpr size_t kTagBytes = 16;

// n bytes from OpenSSL's CSPRNG. Aborts if the generator fails: no key or nonce may
// ever be predictable.
std::string random_bytes(size_t n);

// Appends AES-256-GCM(key, nonce, aad; plain) to out: n ciphertext bytes, then the tag.
// key is kKeyBytes, nonce kNonceBytes long.
void seal(std::string_view key, std::string_view nonce, std::string_view aad, const char* plain, size_t n,
          std::string& out);

// Decrypts n sealed bytes (ciphertext then tag) and appends the plaintext to out.
// false, out unchanged, when the tag does not verify: wrong key, altered bytes or a
// different aad.
bool open(std::string_view key, std::string_view nonce, std::string_view aad, const char* sealed, size_t n,
          std::string& out);

}  // namespace silt::crypto
