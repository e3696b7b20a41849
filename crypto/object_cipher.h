// Encryption of object data at rest (docs/encryption.md, docs/format.md "Encrypted
// objects"): each stream of bytes the storage keeps (a single PUT's data, or one part
// of a multipart upload) is cut into packages of 64 KiB of plaintext, each sealed with
// AES-256-GCM under the object's data key, so a range read opens only the packages it
// touches. The data key is random per object (per upload), and stored only sealed by a
// key-encryption key: a master key (SSE-S3), a keyring key (SSE-KMS) or the customer's
// key (SSE-C). This sits above the ObjectLayer, so every backend stores ciphertext only.
// In a compressed storage class the data key says so, and each package's plaintext is
// compressed (zstd) before it is sealed: ciphertext does not compress, so the storage's
// own compression could not (docs/format.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/encrypted_size.h"
#include "common/object_model.h"
#include "object/object_layer.h"

namespace silt::crypto {

// One package: nonce || ciphertext of up to kPackagePlain bytes || tag.
inline constexpr uint64_t kPackagePlain = kSsePackagePlain;
inline constexpr uint64_t kPackageOverhead = kSsePackageOverhead;
// Part number of a single PUT's stream (multipart streams use their part number, 1..10000).
inline constexpr int kSinglePart = 0;

// Stored bytes of a stream of `plain` plaintext bytes, and its inverse (common/encrypted_size.h).
constexpr uint64_t sealed_size(uint64_t plain) {
  return sse_sealed_size(plain);
}
constexpr uint64_t plain_size(uint64_t sealed) {
  return sse_plain_size(sealed);
}

// A fresh random data key, opaque outside crypto/: 32 random bytes, then one byte of zstd
// level when zstd_level > 0 (a compressed class: every package is compressed when that
// makes it smaller). It is sealed whole, so the choice is authenticated with the key.
std::string new_data_key(int zstd_level = 0);
// The data key sealed by kek (32 bytes), bound to sse.algorithm, sse.key_id and
// sse.context (the SSE-KMS encryption context, when there is one), as
// ObjectSse::sealed_key holds it.
std::string seal_data_key(std::string_view kek, const ObjectSse& sse, std::string_view data_key);
// The data key, or nullopt when kek is not the key that sealed it (or the record was
// altered).
std::optional<std::string> open_data_key(std::string_view kek, const ObjectSse& sse);

// The object as its client sees it: sizes of the object and of each part in plaintext.
// info as the storage reports it (stored sizes); unchanged when not encrypted.
ObjectInfo plain_view(ObjectInfo info);

// Wraps a storage writer: write()/write_data() take plaintext and pass sealed packages
// on. size() counts plaintext. With etag_of_plaintext (SSE-S3, as AWS) the stored ETag is
// the plaintext's MD5; otherwise (SSE-C, SSE-KMS, whose AWS ETags are no MD5 of the data)
// the MD5 of what is stored. md5_raw() is the plaintext's MD5 either way (Content-MD5).
// commit() returns the plaintext view of a new object (a part's meta carries no sse, so a
// part's answer keeps its stored size).
std::unique_ptr<ObjectWriter> encrypting_writer(std::unique_ptr<ObjectWriter> inner, std::string_view data_key,
                                                int part_number, bool etag_of_plaintext);

// Reads plaintext [offset, offset+length) of the object `stored` (stored sizes, as
// stat_object returned it) by opening, for each part touched, only the packages that hold
// those bytes. A package that does not authenticate fails the read with InternalError.
s3::Result<std::unique_ptr<ObjectReader>> open_decrypting(ObjectLayer& objects, const ObjectInfo& stored,
                                                          std::string_view data_key, uint64_t offset, uint64_t length);

}  // namespace silt::crypto
