// Both generated vector sets (botocore 1.29 from Debian, and the newer botocore that
// aws-cli carries) as one list of owned requests.
#pragma once

#include <string>
#include <vector>

#include "botocore_new_vectors.h"
#include "botocore_vectors.h"
#include "request_fixture.h"

namespace silt::auth::test {

struct BotoCase {
  std::string label;  // "botocore 1.29.27: get a b"
  bool presigned = false;
  OwnedRequest req;
  std::string body;
};

template <class Vector>
void append_cases(std::vector<BotoCase>& out, const char* version, const std::vector<Vector>& vectors) {
  for (const Vector& v : vectors) {
    BotoCase c{std::string("botocore ") + version + ": " + v.name, v.presigned, {v.method, v.target, {}}, v.body};
    for (const auto& [name, value] : v.headers) c.req.headers.emplace_back(name, value);
    out.push_back(std::move(c));
  }
}

inline const std::vector<BotoCase>& botocore_cases() {
  static const std::vector<BotoCase> cases = [] {
    std::vector<BotoCase> out;
    append_cases(out, botocore_vectors::kBotocoreVersion, botocore_vectors::all());
    append_cases(out, botocore_new_vectors::kBotocoreVersion, botocore_new_vectors::all());
    return out;
  }();
  return cases;
}

// Both sets are signed with the same key, secret and frozen clock.
static_assert(botocore_vectors::kNowMs == botocore_new_vectors::kNowMs);
inline constexpr const char* kBotoAccessKey = botocore_vectors::kAccessKey;
inline constexpr const char* kBotoSecretKey = botocore_vectors::kSecretKey;
inline constexpr int64_t kBotoNowMs = botocore_vectors::kNowMs;

}  // namespace silt::auth::test
