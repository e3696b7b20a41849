// The root (admin) credentials `silt server` takes from its environment. silt's own
// SILT_ROOT_USER/SILT_ROOT_PASSWORD come first; MinIO's names are accepted after
// them so a MinIO compose file's environment works unchanged (docs/migrate-from-minio.md).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/error.h"

namespace silt {

struct RootCredentials {
  std::string user;
  std::string password;
  std::string source;  // the pair's variable names, e.g. "MINIO_ROOT_USER/MINIO_ROOT_PASSWORD", for the log
};

// A variable's value, or null when unset (std::getenv in silt, a map in tests).
using EnvLookup = std::function<const char*(const char*)>;

// The first complete pair of: SILT_ROOT_USER/SILT_ROOT_PASSWORD, MINIO_ROOT_USER/MINIO_ROOT_PASSWORD,
// MINIO_ACCESS_KEY/MINIO_SECRET_KEY (empty values count as unset). nullopt: none set, so the
// development pair applies (loopback only). An error when a pair is half set and no earlier pair is
// complete: a forgotten password must not silently fall back to the development credentials.
s3::Result<std::optional<RootCredentials>> choose_root_credentials(const EnvLookup& env);

// MinIO's rule, so a weak root password is refused where MinIO refuses it: at least
// kMinRootPassword characters. InvalidArgument naming the variable otherwise. (The
// development pair, used when no variable is set, is long enough and loopback-only.)
constexpr size_t kMinRootPassword = 8;
s3::Status check_root_password(const RootCredentials& c);

}  // namespace silt
