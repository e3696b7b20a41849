// Keys silt holds itself (docs/encryption.md): the master keys that seal SSE-S3 data keys
// (--sse-master-key-file or SILT_SSE_MASTER_KEY) and the named keys of the local keyring
// that stands in for a KMS (--sse-keyring-file). Both are lists of "ID:BASE64" entries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace silt::crypto {

struct NamedKey {
  std::string id;   // 1-64 of A-Z a-z 0-9 - _ / .
  std::string key;  // 32 raw bytes
};

class KeySet {
 public:
  // Entries "ID:BASE64" (the base64 of 32 bytes, as `openssl rand -base64 32` prints),
  // one per line or separated by commas; blank lines and lines starting with '#' are
  // skipped. InvalidArgument naming the bad entry (never its key) for a malformed
  // entry or a repeated id.
  static s3::Result<KeySet> parse(std::string_view text);

  bool empty() const { return keys_.empty(); }
  // The key that seals new data keys: the first entry. Rotation puts a new key first
  // and keeps the old ones below it, which still open what they sealed.
  const NamedKey* current() const { return keys_.empty() ? nullptr : &keys_.front(); }
  const NamedKey* find(std::string_view id) const;

 private:
  std::vector<NamedKey> keys_;
};

// What `silt server` loaded; empty sets when not configured.
struct ServerKeys {
  KeySet master;   // SSE-S3
  KeySet keyring;  // SSE-KMS
};

}  // namespace silt::crypto
