// SigV4's SignedHeaders: which request headers a signature covers, and the refusal of a
// request whose acting headers it does not cover.
//
// A header the signature does not cover can be added by anyone who holds the request (a
// presigned URL handed to a browser, a signed request captured on plain http), so every
// x-amz-* header, which S3 obeys, must be signed, and so must Host, which names the
// bucket under virtual-host addressing. S3 answers a request that breaks this rule with
// 403 AccessDenied and lists the offending names in <HeadersNotSigned>
// (docs/security.md, "What a signature covers").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silt::auth {

// The longest SignedHeaders list accepted. The longest a real client sends is a PUT with
// S3's 2 KiB of x-amz-meta-* names plus a dozen standard headers; an attacker's list of
// thousands of names is refused before any of it is looked at.
constexpr size_t kMaxSignedHeadersBytes = 8 * 1024;

// Parses a SignedHeaders list ("host;x-amz-content-sha256;x-amz-date"), as AWS writes it:
// non-empty names of lowercase HTTP token characters, separated by ';', in strictly
// ascending byte order (so sorted and without repeats), at most header_count of them (a
// request cannot sign more headers than it carries) and at most kMaxSignedHeadersBytes
// in all. Whether "host" is among them is not checked here (see cover()).
// Returns views into list. Errors: error_code (AuthorizationHeaderMalformed for the
// Authorization header, AuthorizationQueryParametersError for X-Amz-SignedHeaders) with a
// message saying which rule the list breaks.
s3::Result<std::vector<std::string_view>> parse_signed_headers(std::string_view list, size_t header_count,
                                                               s3::Code error_code);

// What a signature over the headers `names` (as parse_signed_headers returns them)
// covers of a request.
struct CoveredHeaders {
  // SigV4's CanonicalHeaders: "name:value\n" for each signed name in list order, values
  // trimmed with inner whitespace runs collapsed, repeated headers joined with ',' in the
  // order they arrived; a signed name the request lacks gets an empty value.
  std::string canonical;
  // The headers the signature must cover and does not: every x-amz-* request header
  // missing from names (except `exempt`), and "host" when names lacks it. Lowercase,
  // sorted, without repeats.
  std::vector<std::string> not_signed;
};

// Builds CoveredHeaders in one pass over headers (names in any case; repeats allowed),
// looking each name up in the sorted `names`: linear in the size of the request.
// exempt: one x-amz-* name that may be present unsigned (x-amz-content-sha256 under
// header auth, whose value is the canonical request's last line anyway), or empty.
CoveredHeaders cover(const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                     const std::vector<std::string_view>& names, std::string_view exempt);

// 403 AccessDenied "There were headers present in the request which were not signed",
// with <HeadersNotSigned> listing names joined by ", " as S3 does. The list echoed is cut
// (ending in "...") past a couple of KiB, so a request with thousands of unsigned headers
// does not get them all back.
s3::Error headers_not_signed(const std::vector<std::string>& names);

}  // namespace silt::auth
