#include "client/signer.h"

#include "auth/sigv4.h"
#include "util/time.h"

namespace silt::client {

std::string sign_headers(Headers& headers, std::string_view method, std::string_view target,
                         std::string_view host_header, const Credentials& creds, std::string_view region,
                         int64_t now_ms, std::string_view payload_sha256) {
  if (payload_sha256.empty()) payload_sha256 = kEmptySha256;
  headers.emplace_back("host", std::string(host_header));
  headers.emplace_back("x-amz-date", amz_date(now_ms));
  headers.emplace_back("x-amz-content-sha256", std::string(payload_sha256));
  std::string authorization =
      auth::sign_request(method, target, headers, payload_sha256, creds.access_key, creds.secret_key, region);
  constexpr std::string_view kSignature = "Signature=";
  std::string signature = authorization.substr(authorization.rfind(kSignature) + kSignature.size());
  headers.emplace_back("authorization", std::move(authorization));
  return signature;
}

}  // namespace silt::client
