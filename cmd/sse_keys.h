// The keys of encryption at rest that `silt server` loads at start (docs/encryption.md):
// master keys from --sse-master-key-file, else SILT_SSE_MASTER_KEY; the SSE-KMS keyring
// from --sse-keyring-file.
#pragma once

#include <string>

#include "cmd/root_credentials.h"
#include "common/error.h"
#include "crypto/key_set.h"

namespace silt {

// Empty paths and an unset variable leave that set empty. InvalidArgument naming the file or
// variable (never a key) for an unreadable file or a malformed entry.
s3::Result<crypto::ServerKeys> load_sse_keys(const std::string& master_key_file, const std::string& keyring_file,
                                             const EnvLookup& env);

}  // namespace silt
