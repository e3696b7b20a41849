// SigV2: "Authorization: AWS key:sig" and AWSAccessKeyId/Signature/Expires presigns.
// Input: fuzz_input.h layout (method, target, headers).
#include <cstdlib>

#include "auth/sigv2.h"
#include "fuzz_input.h"

using namespace silt;

namespace {
constexpr int64_t kNowMs = 1704067200000;  // 2024-01-01T00:00:00Z, as the seeds are dated

const auth::CredentialStore& store() {
  static auth::CredentialStore s = [] {
    auth::CredentialStore c;
    c.add({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "root"});
    return c;
  }();
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ls = fuzz::lines(fuzz::as_view(data, size));
  if (ls.size() < 2) return 0;
  auth::RequestView req{ls[0], ls[1], {}};
  for (size_t i = 2; i < ls.size(); i++) req.headers.push_back(fuzz::header_line(ls[i]));
  size_t q = req.target.find('?');
  if (q != std::string_view::npos) (void)auth::has_sigv2_query(req.target.substr(q + 1));
  for (const auto& [name, value] : req.headers) (void)auth::is_sigv2_authorization(value);
  auto id = auth::authenticate_v2(req, store(), kNowMs);
  if (id && id->access_key != "AKIAIOSFODNN7EXAMPLE") std::abort();
  req.vhost_bucket = "vhost-bucket";
  (void)auth::authenticate_v2(req, store(), kNowMs);
  return 0;
}
