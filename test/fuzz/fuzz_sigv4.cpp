// SigV4: the Authorization header and presigned-query parsers, the canonical
// request builder and the verifier, fed one request head at a time.
// Input: fuzz_input.h layout (method, target, headers).
#include <cstdlib>

#include "auth/sigv4.h"
#include "fuzz_input.h"

using namespace silt;

namespace {
// 2024-01-01T00:00:00Z: the seeds are dated then, so the clock-skew check passes.
constexpr int64_t kNowMs = 1704067200000;

const auth::CredentialStore& store() {
  static auth::CredentialStore s = [] {
    auth::CredentialStore c;
    c.add({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "root"});
    return c;
  }();
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ls = fuzz::lines(fuzz::as_view(data, size));
  if (ls.size() < 2) return 0;
  auth::RequestView req{ls[0], ls[1], {}};
  std::vector<std::pair<std::string, std::string>> owned;
  for (size_t i = 2; i < ls.size(); i++) {
    auto [name, value] = fuzz::header_line(ls[i]);
    req.headers.emplace_back(name, value);
    owned.emplace_back(std::string(name), std::string(value));
  }
  size_t q = req.target.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view{} : req.target.substr(q + 1);
  (void)auth::canonical_query(query, true);
  (void)auth::canonical_query(query, false);
  (void)auth::is_anonymous(req);
  auto id = auth::authenticate(req, store(), kNowMs);
  if (id && id->access_key != "AKIDEXAMPLE") std::abort();  // only a known key may ever get in

  // The signer on the same (arbitrary) head must not crash either.
  (void)auth::sign_request(req.method, req.target, owned, "UNSIGNED-PAYLOAD", "AKIDEXAMPLE",
                           "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1");
  return 0;
}
