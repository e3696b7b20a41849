// SignedHeaders: the list parser, the one-pass canonical headers and unsigned-header
// check (auth/signed_headers.h), and the same list inside an Authorization header and a
// presigned URL, checked by authenticate().
// Input: the first line is the SignedHeaders list; the lines after it are the request's
// headers ("Name: value", as in fuzz_input.h).
#include <algorithm>
#include <cstdlib>
#include <string>

#include "auth/signed_headers.h"
#include "auth/sigv4.h"
#include "fuzz_input.h"
#include "util/uri.h"

using namespace silt;

namespace {
// 2024-01-01T00:00:00Z, the date in the Authorization header and URL built below.
constexpr int64_t kNowMs = 1704067200000;

const auth::CredentialStore& store() {
  static auth::CredentialStore s = [] {
    auth::CredentialStore c;
    c.add({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "root"});
    return c;
  }();
  return s;
}

bool lower_token(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

void check_cover(const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                 const std::vector<std::string_view>& names, std::string_view exempt) {
  auth::CoveredHeaders c = auth::cover(headers, names, exempt);
  // One line per signed name, in order.
  // (A value never holds '\n': the fuzz layout splits lines on it.)
  std::string_view rest = c.canonical;
  for (std::string_view name : names) {
    if (rest.substr(0, name.size()) != name || rest.substr(name.size(), 1) != ":") std::abort();
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) std::abort();
    rest.remove_prefix(nl + 1);
  }
  if (!rest.empty()) std::abort();
  // Sorted, unique, each a name the signature had to cover and does not.
  if (!std::is_sorted(c.not_signed.begin(), c.not_signed.end())) std::abort();
  if (std::adjacent_find(c.not_signed.begin(), c.not_signed.end()) != c.not_signed.end()) std::abort();
  for (const std::string& n : c.not_signed) {
    if (std::binary_search(names.begin(), names.end(), std::string_view(n))) std::abort();
    if (n != "host" && (n.substr(0, 6) != "x-amz-" || n == exempt)) std::abort();
  }
  bool host_signed = std::binary_search(names.begin(), names.end(), std::string_view("host"));
  if (host_signed == std::binary_search(c.not_signed.begin(), c.not_signed.end(), std::string("host"))) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ls = fuzz::lines(fuzz::as_view(data, size));
  if (ls.empty()) return 0;
  std::string_view list = ls[0];
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  for (size_t i = 1; i < ls.size(); i++) headers.push_back(fuzz::header_line(ls[i]));

  auto names = auth::parse_signed_headers(list, headers.size(), s3::Code::AuthorizationHeaderMalformed);
  if (names) {
    // Accepted lists are exactly AWS's form, within the bounds.
    if (names->empty() || names->size() > headers.size()) std::abort();
    if (list.size() > auth::kMaxSignedHeadersBytes) std::abort();
    std::string joined;
    for (size_t i = 0; i < names->size(); ++i) {
      if (!lower_token((*names)[i])) std::abort();
      if (i && !((*names)[i - 1] < (*names)[i])) std::abort();
      joined.append(i ? ";" : "").append((*names)[i]);
    }
    if (joined != list) std::abort();
    check_cover(headers, *names, {});
    check_cover(headers, *names, "x-amz-content-sha256");
  } else if (names.error().code != s3::Code::AuthorizationHeaderMalformed) {
    std::abort();
  }

  // The same list in both SigV4 flavours, with a signature that cannot match.
  std::vector<std::pair<std::string, std::string>> owned = {
      {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=" +
                            std::string(list) + ", Signature=" + std::string(64, '0')},
      {"x-amz-date", "20240101T000000Z"}};
  auth::RequestView req{"GET", "/bucket/key", headers};
  for (const auto& [k, v] : owned) req.headers.emplace_back(k, v);
  if (auth::authenticate(req, store(), kNowMs)) std::abort();

  std::string target =
      "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_"
      "request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=" +
      uri_encode(list, false) + "&X-Amz-Signature=" + std::string(64, '0');
  auth::RequestView presigned{"GET", target, headers};
  if (auth::authenticate(presigned, store(), kNowMs)) std::abort();
  return 0;
}
