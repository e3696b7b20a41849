#include "cmd/root_credentials.h"

#include <array>
#include <string>

namespace silt {

s3::Result<std::optional<RootCredentials>> choose_root_credentials(const EnvLookup& env) {
  struct Pair {
    const char* user;
    const char* password;
  };
  constexpr std::array<Pair, 3> kPairs{{
      {"SILT_ROOT_USER", "SILT_ROOT_PASSWORD"},
      {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"},
      {"MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"},  // MinIO's names before RELEASE.2021
  }};
  auto value = [&](const char* name) -> std::string {
    const char* v = env(name);
    return v ? std::string(v) : std::string();
  };
  for (const auto& p : kPairs) {
    std::string user = value(p.user), password = value(p.password);
    if (!user.empty() && !password.empty())
      return std::optional<RootCredentials>(RootCredentials{user, password, std::string(p.user) + "/" + p.password});
    if (!user.empty() || !password.empty()) {
      const char* missing = user.empty() ? p.user : p.password;
      const char* present = user.empty() ? p.password : p.user;
      return s3::Error(s3::Code::InvalidArgument,
                       std::string(present) + " is set but " + missing + " is not: set both, or neither");
    }
  }
  return std::optional<RootCredentials>();
}

s3::Status check_root_password(const RootCredentials& c) {
  if (c.password.size() >= kMinRootPassword) return {};
  const size_t slash = c.source.find('/');
  const std::string variable = slash == std::string::npos ? c.source : c.source.substr(slash + 1);
  return s3::Error(s3::Code::InvalidArgument, variable + " must be at least " + std::to_string(kMinRootPassword) +
                                                  " characters long (it has " + std::to_string(c.password.size()) +
                                                  "): choose a longer root password");
}

}  // namespace silt
