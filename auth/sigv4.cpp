// SigV4 verification for S3 (clients.md §1.2-1.4). The canonical request is rebuilt
// from the request exactly as it arrived: raw path, re-encoded raw query, and the headers
// the client listed in SignedHeaders, which must include every header that acts
// (signed_headers.h).
#include "auth/sigv4.h"

#include <algorithm>
#include <cstddef>
#include <optional>

#include "auth/signed_headers.h"
#include "auth/signing_keys.h"
#include "auth/sigv2.h"
#include "util/hash.h"
#include "util/parse.h"
#include "util/strings.h"
#include "util/time.h"
#include "util/uri.h"

namespace silt::auth {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kService = "s3";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr int64_t kMaxSkewMs = 15 * 60 * 1000;
constexpr int64_t kMaxPresignExpiresSec = 604800;  // 7 days, what AWS and the SDKs allow
constexpr std::string_view kContentSha256 = "x-amz-content-sha256";
// SHA-256 of no bytes: the payload hash of a header-signed request without a body that
// does not say (curl --aws-sigv4 before 8.x sends no x-amz-content-sha256).
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// A SignatureDoesNotMatch error echoes the CanonicalRequest and StringToSign S3-style for
// client authors to diff, but only up to this size: a request is at most the 64 KiB head
// silt reads, and its echo must not be a multiple of it.
constexpr size_t kMaxEchoBytes = 4 * 1024;

// Header values and Authorization parts are trimmed of kAsciiSpace (util/strings.h): the
// ASCII whitespace Python's str.strip() and str.split() remove, which botocore's Trimall uses.

struct Target {
  std::string_view path;
  std::string_view query;
};

Target split_target(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::optional<std::string_view> find_header(const RequestView& req, std::string_view lname) {
  for (const auto& [name, value] : req.headers) {
    if (iequals(name, lname)) return value;
  }
  return std::nullopt;
}

std::string canonical_request(std::string_view method, std::string_view path, std::string_view query,
                              std::string_view headers, std::string_view signed_headers, std::string_view payload) {
  std::string cr;
  cr.reserve(method.size() + path.size() + query.size() + headers.size() + signed_headers.size() + payload.size() + 8);
  cr.append(method).append("\n");
  cr.append(path).append("\n");
  cr.append(query).append("\n");
  cr.append(headers).append("\n");
  cr.append(signed_headers).append("\n");
  cr.append(payload);
  return cr;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical) {
  std::string sts(kAlgorithm);
  sts.append("\n").append(amz_date).append("\n").append(scope).append("\n").append(sha256_hex(canonical));
  return sts;
}

// Credential = <access-key>/<yyyymmdd>/<region>/<service>/aws4_request
struct CredentialScope {
  std::string access_key;
  std::string date;
  std::string region;
  std::string service;
  std::string terminator;
  std::string scope() const { return date + "/" + region + "/" + service + "/" + terminator; }
};

std::optional<CredentialScope> parse_credential(std::string_view cred) {
  std::vector<std::string_view> parts = split(cred, '/');
  if (parts.size() != 5) return std::nullopt;
  for (std::string_view p : parts) {
    if (p.empty()) return std::nullopt;
  }
  return CredentialScope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]), std::string(parts[3]),
                         std::string(parts[4])};
}

// Where a request's auth material came from; the two flavours word their errors differently.
enum class Flavour { Header, Query };

s3::Error malformed(Flavour f, std::string detail) {
  if (f == Flavour::Header) {
    return s3::Error(s3::Code::AuthorizationHeaderMalformed, "The authorization header is malformed; " + detail);
  }
  return s3::Error(s3::Code::AuthorizationQueryParametersError,
                   "Error parsing the X-Amz-Credential parameter; " + detail);
}

s3::Result<CredentialScope> check_credential(Flavour f, std::string_view cred) {
  std::optional<CredentialScope> c = parse_credential(cred);
  if (!c || c->date.size() != 8 || !all_digits(c->date)) {
    return malformed(f,
                     "the Credential is mal-formed; expecting "
                     "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  }
  if (c->service != kService) {
    return malformed(f, "incorrect service \"" + c->service + "\". This endpoint belongs to \"s3\".");
  }
  if (c->terminator != kTerminator) {
    return malformed(f, "incorrect terminal \"" + c->terminator + "\". This endpoint uses \"aws4_request\".");
  }
  return std::move(*c);
}

s3::Result<PayloadMode> classify_payload(std::string_view v) {
  if (v.size() == 64 && is_hex(v)) return PayloadMode::Sha256;
  if (v == kUnsignedPayload) return PayloadMode::Unsigned;
  if (v == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") return PayloadMode::StreamingSigned;
  if (v == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") return PayloadMode::StreamingUnsignedTrailer;
  if (v == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") return PayloadMode::StreamingSignedTrailer;
  // ECDSA (SigV4a) streaming and anything else we do not know: 501, not 400, so the
  // client reports "not implemented" instead of blaming its own signature.
  return s3::Error(s3::Code::NotImplemented, "A header you provided implies functionality that is not implemented")
      .with("Header", "x-amz-content-sha256");
}

s3::Error skewed(std::string_view request_time, int64_t now_ms) {
  return s3::Error(s3::Code::RequestTimeTooSkewed,
                   "The difference between the request time and the current time is too large.")
      .with("RequestTime", std::string(request_time))
      .with("ServerTime", iso8601_ms(now_ms))
      .with("MaxAllowedSkewMilliseconds", std::to_string(kMaxSkewMs));
}

// Everything both flavours have parsed before the signature is recomputed.
struct Claim {
  Flavour flavour = Flavour::Header;
  CredentialScope cred;
  std::vector<std::string_view> signed_headers;  // parse_signed_headers of signed_headers_raw
  std::string_view signed_headers_raw;           // the list as sent, valid while the request is
  std::string signature;                         // as provided, lowercased
  std::string amz_date;                          // the timestamp that goes into the string to sign
  std::string payload_hash;                      // the literal that goes into the canonical request
  PayloadMode payload = PayloadMode::Unsigned;
};

// Adds name=value to a SignatureDoesNotMatch error unless value is too long to echo.
void echo(s3::Error& e, std::string name, std::string_view value) {
  if (value.size() <= kMaxEchoBytes) e.with(std::move(name), std::string(value));
}

s3::Result<Identity> verify(const RequestView& req, const CredentialStore& store, const Claim& claim) {
  // Refused before anything else: the request may be a signed one with headers added by
  // whoever holds it, and what it would do is not what was signed.
  CoveredHeaders covered =
      cover(req.headers, claim.signed_headers, claim.flavour == Flavour::Header ? kContentSha256 : std::string_view());
  if (!covered.not_signed.empty()) return headers_not_signed(covered.not_signed);

  auto user = store.find(claim.cred.access_key);
  if (!user) {
    return s3::Error(s3::Code::InvalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.")
        .with("AWSAccessKeyId", claim.cred.access_key);
  }
  Target t = split_target(req.target);
  std::string cq = canonical_query(t.query, claim.flavour == Flavour::Query);
  std::string cr =
      canonical_request(req.method, t.path, cq, covered.canonical, claim.signed_headers_raw, claim.payload_hash);
  std::string scope = claim.cred.scope();
  std::string sts = string_to_sign(claim.amz_date, scope, cr);
  SigningKeys& keys = store.signing_keys();
  std::string key =
      keys.key(claim.cred.access_key, user->secret_key, claim.cred.date, claim.cred.region, claim.cred.service);
  std::string expected = hex_encode(hmac_sha256_raw(key, sts));
  if (!constant_time_equal(expected, claim.signature)) {
    // Like S3, hand back what we signed so a client author can diff it against theirs.
    s3::Error e(s3::Code::SignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.");
    echo(e, "AWSAccessKeyId", claim.cred.access_key);
    echo(e, "SignatureProvided", claim.signature);
    echo(e, "StringToSign", sts);
    echo(e, "CanonicalRequest", cr);
    return e;
  }
  keys.remember(claim.cred.access_key, user->secret_key, claim.cred.date, claim.cred.region, claim.cred.service, key);
  Identity id;
  id.access_key = user->access_key;
  id.user = user->user;
  id.presigned = claim.flavour == Flavour::Query;
  id.payload = claim.payload;
  if (claim.payload == PayloadMode::Sha256) id.payload_sha256_hex = to_lower(claim.payload_hash);
  id.signing_key = std::move(key);
  id.seed_signature = std::move(expected);
  id.amz_date = claim.amz_date;
  id.scope = std::move(scope);
  id.region = claim.cred.region;
  return id;
}

// A request without x-amz-content-sha256 may still be verified when it has no body:
// neither Transfer-Encoding nor a Content-Length other than 0.
bool has_body(const RequestView& req) {
  if (find_header(req, "transfer-encoding")) return true;
  std::optional<std::string_view> length = find_header(req, "content-length");
  if (!length) return false;
  std::string_view v = trim(*length);
  return v.empty() || v.find_first_not_of('0') != std::string_view::npos;
}

// Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
s3::Result<Identity> authenticate_header(const RequestView& req, std::string_view auth, const CredentialStore& store,
                                         int64_t now_ms) {
  auth = trim(auth);
  if (auth.substr(0, kAlgorithm.size()) != kAlgorithm ||
      (auth.size() > kAlgorithm.size() && !is_ascii_space(auth[kAlgorithm.size()]))) {
    // authenticate() sends SigV2 ("AWS key:sig") to sigv2.cpp first; anything else ends here.
    return s3::Error(s3::Code::InvalidArgument, "Unsupported Authorization Type")
        .with("ArgumentName", "Authorization")
        .with("ArgumentValue", std::string(auth));
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  for (std::string_view part : split(auth.substr(kAlgorithm.size()), ',')) {
    part = trim(part);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trim(part.substr(0, eq));
    std::string_view value = trim(part.substr(eq + 1));
    if (name == "Credential")
      credential = value;
    else if (name == "SignedHeaders")
      signed_headers = value;
    else if (name == "Signature")
      signature = value;
  }
  if (!credential || !signed_headers || !signature) {
    return malformed(Flavour::Header,
                     "the authorization header requires three components: Credential, SignedHeaders, and Signature.");
  }

  Claim claim;
  claim.flavour = Flavour::Header;
  auto cred = check_credential(Flavour::Header, *credential);
  if (!cred) return cred.error();
  claim.cred = std::move(cred.value());
  auto names = parse_signed_headers(*signed_headers, req.headers.size(), s3::Code::AuthorizationHeaderMalformed);
  if (!names) return malformed(Flavour::Header, names.error().message);
  claim.signed_headers = std::move(names.value());
  claim.signed_headers_raw = *signed_headers;
  claim.signature = to_lower(*signature);

  // x-amz-date wins; Date is the fallback the spec allows.
  std::optional<int64_t> when;
  std::string_view request_time;
  if (auto xd = find_header(req, "x-amz-date")) {
    request_time = trim(*xd);
    when = parse_amz_date(request_time);
    if (when) claim.amz_date = std::string(request_time);
  } else if (auto d = find_header(req, "date")) {
    request_time = trim(*d);
    when = parse_http_date(request_time);
    if (when) claim.amz_date = amz_date(*when);
  }
  if (!when) {
    return s3::Error(s3::Code::AccessDenied, "AWS authentication requires a valid Date or x-amz-date header");
  }
  if (claim.amz_date.substr(0, 8) != claim.cred.date) {
    return malformed(Flavour::Header, "Invalid credential date \"" + claim.cred.date +
                                          "\". This date is not the same as X-Amz-Date: \"" +
                                          claim.amz_date.substr(0, 8) + "\".");
  }

  std::optional<std::string_view> sha = find_header(req, kContentSha256);
  if (!sha && has_body(req)) {
    return s3::Error(s3::Code::InvalidRequest, "Missing required header for this request: x-amz-content-sha256");
  }
  claim.payload_hash = std::string(sha ? trim(*sha) : kEmptySha256);
  auto mode = classify_payload(claim.payload_hash);
  if (!mode) return mode.error();
  claim.payload = mode.value();

  if (*when > now_ms + kMaxSkewMs || *when < now_ms - kMaxSkewMs) return skewed(request_time, now_ms);
  return verify(req, store, claim);
}

// Presigned URL: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature.
s3::Result<Identity> authenticate_query(const RequestView& req, const CredentialStore& store, int64_t now_ms) {
  std::optional<std::string> algorithm, credential, date, expires, signed_headers, signature, content_sha256;
  for (auto& [name, value] : parse_query(split_target(req.target).query)) {
    if (name == "X-Amz-Algorithm")
      algorithm = std::move(value);
    else if (name == "X-Amz-Credential")
      credential = std::move(value);
    else if (name == "X-Amz-Date")
      date = std::move(value);
    else if (name == "X-Amz-Expires")
      expires = std::move(value);
    else if (name == "X-Amz-SignedHeaders")
      signed_headers = std::move(value);
    else if (name == "X-Amz-Signature")
      signature = std::move(value);
    else if (name == "X-Amz-Content-Sha256")
      content_sha256 = std::move(value);
  }
  if (!algorithm || !credential || !date || !expires || !signed_headers || !signature) {
    return s3::Error(s3::Code::AuthorizationQueryParametersError,
                     "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                     "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  }
  if (*algorithm != kAlgorithm) {
    return s3::Error(s3::Code::AuthorizationQueryParametersError, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (!all_digits(*expires) || expires->size() > 9) {
    return s3::Error(s3::Code::AuthorizationQueryParametersError, "X-Amz-Expires should be a number");
  }
  int64_t expires_sec = static_cast<int64_t>(parse_u64(*expires).value_or(0));
  if (expires_sec > kMaxPresignExpiresSec) {
    return s3::Error(s3::Code::AuthorizationQueryParametersError,
                     "X-Amz-Expires must be less than a week (in seconds) that is, the given X-Amz-Expires must "
                     "be less than 604800 seconds");
  }
  if (expires_sec < 1) {
    return s3::Error(s3::Code::AuthorizationQueryParametersError, "X-Amz-Expires must be a positive number");
  }
  std::optional<int64_t> when = parse_amz_date(*date);
  if (!when) {
    return s3::Error(s3::Code::AuthorizationQueryParametersError,
                     "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }

  Claim claim;
  claim.flavour = Flavour::Query;
  auto cred = check_credential(Flavour::Query, *credential);
  if (!cred) return cred.error();
  claim.cred = std::move(cred.value());
  auto names = parse_signed_headers(*signed_headers, req.headers.size(), s3::Code::AuthorizationQueryParametersError);
  if (!names) {
    return s3::Error(s3::Code::AuthorizationQueryParametersError, "X-Amz-SignedHeaders: " + names.error().message);
  }
  claim.signed_headers = std::move(names.value());
  claim.signed_headers_raw = *signed_headers;
  claim.signature = to_lower(*signature);
  claim.amz_date = *date;
  if (claim.amz_date.substr(0, 8) != claim.cred.date) {
    // S3 does not single this out for presigned URLs: the scope simply fails to verify.
    return s3::Error(s3::Code::SignatureDoesNotMatch,
                     "The request signature we calculated does not match the signature you provided. "
                     "Check your key and signing method.")
        .with("AWSAccessKeyId", claim.cred.access_key);
  }
  // The payload is UNSIGNED-PAYLOAD unless the URL names a hash: in its query (the JS SDK
  // v3 writes X-Amz-Content-Sha256=UNSIGNED-PAYLOAD there) or in a signed header (the Go
  // SDKs, when the caller set one). An unsigned header is refused in verify().
  std::optional<std::string_view> header_sha = find_header(req, kContentSha256);
  if (content_sha256) {
    claim.payload_hash = *content_sha256;
  } else if (header_sha &&
             std::binary_search(claim.signed_headers.begin(), claim.signed_headers.end(), kContentSha256)) {
    claim.payload_hash = std::string(trim(*header_sha));
  } else {
    claim.payload_hash = std::string(kUnsignedPayload);
  }
  auto mode = classify_payload(claim.payload_hash);
  if (!mode) return mode.error();
  if (is_streaming(mode.value())) {
    // A URL is not a chunk-signing client; S3's documentation knows no such presign.
    return s3::Error(s3::Code::NotImplemented, "A header you provided implies functionality that is not implemented")
        .with("Header", std::string(kContentSha256));
  }
  claim.payload = mode.value();

  if (*when > now_ms + kMaxSkewMs) {
    return s3::Error(s3::Code::AccessDenied, "Request is not valid yet")
        .with("X-Amz-Date", *date)
        .with("ServerTime", iso8601_ms(now_ms));
  }
  int64_t expiry = *when + expires_sec * 1000;
  if (now_ms > expiry) {
    return s3::Error(s3::Code::AccessDenied, "Request has expired")
        .with("X-Amz-Expires", *expires)
        .with("Expires", iso8601_ms(expiry))
        .with("ServerTime", iso8601_ms(now_ms));
  }
  return verify(req, store, claim);
}

bool has_presign_params(std::string_view query) {
  for (const auto& [name, value] : parse_query(query)) {
    if (name == "X-Amz-Signature" || name == "X-Amz-Algorithm") return true;
  }
  return false;
}

// botocore (newer releases) never signs these hop-by-hop or volatile headers.
bool botocore_skips(std::string_view lname) {
  static constexpr std::string_view kSkipped[] = {"connection", "expect",     "keep-alive",
                                                  "te",         "trailer",    "transfer-encoding",
                                                  "upgrade",    "user-agent", "x-amzn-trace-id"};
  if (lname.substr(0, 6) == "proxy-") return true;
  return std::find(std::begin(kSkipped), std::end(kSkipped), lname) != std::end(kSkipped);
}

}  // namespace

bool is_anonymous(const RequestView& req) {
  if (find_header(req, "authorization")) return false;
  std::string_view query = split_target(req.target).query;
  return !has_presign_params(query) && !has_sigv2_query(query);
}

s3::Result<Identity> authenticate(const RequestView& req, const CredentialStore& store, int64_t now_ms) {
  std::optional<std::string_view> auth = find_header(req, "authorization");
  std::string_view query = split_target(req.target).query;
  bool presigned = has_presign_params(query);
  bool presigned_v2 = has_sigv2_query(query);  // SigV2: AWSAccessKeyId/Signature/Expires (sigv2.h)
  if (int(auth.has_value()) + int(presigned) + int(presigned_v2) > 1) {
    return s3::Error(s3::Code::InvalidArgument,
                     "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
                     "string parameter or the Authorization header should be specified")
        .with("ArgumentName", "Authorization")
        .with("ArgumentValue", std::string(auth.value_or("")));
  }
  if (auth && is_sigv2_authorization(*auth)) return authenticate_v2(req, store, now_ms);
  if (auth) return authenticate_header(req, *auth, store, now_ms);
  if (presigned) return authenticate_query(req, store, now_ms);
  if (presigned_v2) return authenticate_v2(req, store, now_ms);
  return s3::Error(s3::Code::AccessDenied, "Access Denied");
}

// Decode then re-encode each name and value so that every client's spelling of the
// same parameter ("a b", "a%20b", "a+b") lands on the one RFC 3986 form SigV4 signs.
std::string canonical_query(std::string_view raw_query, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> params;
  if (raw_query.empty()) return {};
  for (std::string_view part : split(raw_query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string name = uri_decode(part.substr(0, eq), true);
    if (drop_signature && name == "X-Amz-Signature") continue;
    std::string value = eq == std::string_view::npos ? std::string() : uri_decode(part.substr(eq + 1), true);
    params.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string derive_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                               std::string_view service) {
  std::string k = hmac_sha256_raw("AWS4" + std::string(secret), date);
  k = hmac_sha256_raw(k, region);
  k = hmac_sha256_raw(k, service);
  return hmac_sha256_raw(k, kTerminator);
}

std::string sign_request(std::string_view method, std::string_view target,
                         const std::vector<std::pair<std::string, std::string>>& headers, std::string_view payload_hash,
                         std::string_view access_key, std::string_view secret, std::string_view region) {
  Target t = split_target(target);

  // botocore takes the query from the URL it already encoded: split, sort, rejoin.
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (!t.query.empty()) {
    for (std::string_view part : split(t.query, '&')) {
      size_t eq = part.find('=');
      if (eq == std::string_view::npos)
        pairs.emplace_back(part, std::string_view());
      else
        pairs.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    }
  }
  std::sort(pairs.begin(), pairs.end());
  std::string cq;
  for (const auto& [name, value] : pairs) {
    if (!cq.empty()) cq += '&';
    cq.append(name).append("=").append(value);
  }

  std::vector<std::pair<std::string_view, std::string_view>> view;
  std::vector<std::string> names;
  std::string date;
  for (const auto& [name, value] : headers) {
    std::string lname = to_lower(name);
    if (lname == "x-amz-date") date = std::string(trim(value));
    if (date.empty() && lname == "date") {
      if (auto ms = parse_http_date(trim(value))) date = amz_date(*ms);
    }
    if (botocore_skips(lname)) continue;
    view.emplace_back(name, value);
    names.push_back(std::move(lname));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_headers = join(names, ";");
  std::vector<std::string_view> name_views(names.begin(), names.end());

  std::string scope = date.substr(0, 8) + "/" + std::string(region) + "/s3/aws4_request";
  std::string cr =
      canonical_request(method, t.path, cq, cover(view, name_views, {}).canonical, signed_headers, payload_hash);
  std::string key = derive_signing_key(secret, date.substr(0, 8), region, kService);
  std::string sig = hex_encode(hmac_sha256_raw(key, string_to_sign(date, scope, cr)));
  return std::string(kAlgorithm) + " Credential=" + std::string(access_key) + "/" + scope +
         ", SignedHeaders=" + signed_headers + ", Signature=" + sig;
}

}  // namespace silt::auth
