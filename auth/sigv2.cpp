// SigV2 verification for S3. The StringToSign is rebuilt the way botocore's HmacV1Auth
// builds it on the client:
//   VERB \n Content-MD5 \n Content-Type \n Date-or-Expires \n CanonicalizedAmzHeaders CanonicalizedResource
#include "auth/sigv2.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "auth/signed_headers.h"
#include "util/hash.h"
#include "util/parse.h"
#include "util/strings.h"
#include "util/time.h"
#include "util/uri.h"

namespace silt::auth {

namespace {

constexpr int64_t kMaxSkewMs = 15 * 60 * 1000;
// SignatureDoesNotMatch echoes the StringToSign only up to this size (sigv4.cpp has the same).
constexpr size_t kMaxEchoBytes = 4 * 1024;

// The query parameters that are part of the signed resource: botocore's
// HmacV1Auth.QSAOfInterest, which covers every sub-resource in AWS's SigV2 page.
constexpr std::string_view kSubResources[] = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

// Header values are trimmed of kAsciiSpace (util/strings.h): Python's str.strip() whitespace
// in ASCII, which botocore strips them with.

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string_view query_of(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

std::optional<std::string_view> find_header(const RequestView& req, std::string_view lname) {
  for (const auto& [name, value] : req.headers) {
    if (iequals(name, lname)) return value;
  }
  return std::nullopt;
}

bool is_amz_header(std::string_view lname) {
  return lname.substr(0, 6) == "x-amz-";
}

// The path as signed plus "?acl&partNumber=3&uploadId=a/b": the signed sub-resources in
// name order (a stable sort, as botocore's), values percent-decoded the way botocore
// signs them ('+' stays '+'). A parameter sent without '=' is signed bare, one sent with
// '=' keeps it.
std::string canonical_resource(std::string_view vhost_bucket, std::string_view path, std::string_view target) {
  std::string out;
  if (!vhost_bucket.empty()) out.append("/").append(vhost_bucket);
  out.append(path);

  std::vector<std::pair<std::string, std::optional<std::string>>> params;
  std::string_view query = query_of(target);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = part.find('=');
    std::string_view name = part.substr(0, eq);
    if (std::find(std::begin(kSubResources), std::end(kSubResources), name) == std::end(kSubResources)) continue;
    if (eq == std::string_view::npos)
      params.emplace_back(std::string(name), std::nullopt);
    else
      params.emplace_back(std::string(name), uri_decode(part.substr(eq + 1), false));
  }
  std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < params.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += params[i].first;
    if (params[i].second) out.append("=").append(*params[i].second);
  }
  return out;
}

// The resource paths a request may have been signed with. A bucket-level request goes
// out as "/bucket?..." but S3, botocore and boto2 sign "/bucket/"; a client that signed
// the path literally is accepted too.
std::vector<std::string> signed_paths(std::string_view vhost_bucket, std::string_view target) {
  std::string_view path = path_of(target);
  bool bucket_only = vhost_bucket.empty() && path.size() > 1 && path.find('/', 1) == std::string_view::npos;
  if (!bucket_only) return {std::string(path)};
  return {std::string(path) + "/", std::string(path)};
}

// x-amz-* name -> values in arrival order; std::map keeps the names sorted.
using AmzHeaders = std::map<std::string, std::vector<std::string>>;

AmzHeaders amz_headers_of(const RequestView& req) {
  AmzHeaders out;
  for (const auto& [name, value] : req.headers) {
    std::string lname = to_lower(name);
    if (is_amz_header(lname)) out[lname].emplace_back(trim(value));
  }
  return out;
}

std::string string_to_sign(std::string_view method, std::string_view content_md5, std::string_view content_type,
                           std::string_view date, const AmzHeaders& amz, std::string_view resource) {
  std::string sts;
  sts.append(method).append("\n");
  sts.append(content_md5).append("\n");
  sts.append(content_type).append("\n");
  sts.append(date).append("\n");
  for (const auto& [name, values] : amz) {
    sts.append(name).append(":");
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) sts += ',';
      sts += values[i];
    }
    sts += '\n';
  }
  sts.append(resource);
  return sts;
}

// S3 shows the bytes too, so invisible differences (CR, trailing blanks) can be spotted.
std::string hex_bytes(std::string_view s) {
  std::string hex = hex_encode(s);
  std::string out;
  out.reserve(hex.size() * 3 / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ' ';
    out.append(hex, i, 2);
  }
  return out;
}

s3::Error mismatch(std::string_view access_key, std::string_view provided, const std::string& sts) {
  s3::Error e(s3::Code::SignatureDoesNotMatch,
              "The request signature we calculated does not match the signature you provided. "
              "Check your key and signing method.");
  // Every x-amz-* header is in the StringToSign: past a few KiB it is not echoed.
  for (auto [name, value] : {std::pair<const char*, std::string_view>{"AWSAccessKeyId", access_key},
                             {"SignatureProvided", provided},
                             {"StringToSign", sts}}) {
    if (value.size() <= kMaxEchoBytes) e.with(name, std::string(value));
  }
  if (sts.size() <= kMaxEchoBytes) e.with("StringToSignBytes", hex_bytes(sts));
  return e;
}

// Checks the provided signature against each StringToSign the request may have been
// signed with; every candidate is built only from what the request carries.
s3::Result<Identity> verify(const CredentialStore& store, std::string_view access_key, std::string_view provided,
                            const std::vector<std::string>& candidates, bool presigned) {
  auto user = store.find(access_key);
  if (!user) {
    return s3::Error(s3::Code::InvalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.")
        .with("AWSAccessKeyId", std::string(access_key));
  }
  bool ok = false;
  for (const std::string& sts : candidates) {
    // No early exit, so timing does not tell which candidate matched.
    ok = constant_time_equal(sign_v2(user->secret_key, sts), provided) || ok;
  }
  if (!ok) return mismatch(access_key, provided, candidates.front());
  Identity id;
  id.access_key = user->access_key;
  id.user = user->user;
  id.presigned = presigned;
  id.payload = PayloadMode::Unsigned;
  return id;
}

// RFC 1123 as botocore sends it ("... GMT"), or with a numeric zone as AWS's examples
// and some clients write it ("Tue, 27 Mar 2007 19:36:42 +0000"); x-amz-date may also
// arrive in the SigV4 form "20070327T193642Z".
std::optional<int64_t> parse_request_time(std::string_view s) {
  if (s.size() > 6 && (s[s.size() - 5] == '+' || s[s.size() - 5] == '-') && s[s.size() - 6] == ' ' &&
      all_digits(s.substr(s.size() - 4))) {
    std::string_view zone = s.substr(s.size() - 4);
    int64_t offset_min = ((zone[0] - '0') * 10 + (zone[1] - '0')) * 60 + (zone[2] - '0') * 10 + (zone[3] - '0');
    if (s[s.size() - 5] == '-') offset_min = -offset_min;
    std::optional<int64_t> local = parse_http_date(std::string(s.substr(0, s.size() - 5)) + "GMT");
    if (!local) return std::nullopt;
    return *local - offset_min * 60 * 1000;
  }
  if (auto t = parse_http_date(s)) return t;
  return parse_amz_date(s);
}

s3::Result<Identity> authenticate_header(const RequestView& req, std::string_view auth, const CredentialStore& store,
                                         int64_t now_ms) {
  std::string_view vhost_bucket = req.vhost_bucket;
  std::string_view cred = trim(trim(auth).substr(3));  // after "AWS"
  size_t colon = cred.find(':');
  std::string_view access_key = colon == std::string_view::npos ? cred : trim(cred.substr(0, colon));
  std::string_view signature = colon == std::string_view::npos ? std::string_view() : trim(cred.substr(colon + 1));
  if (access_key.empty() || signature.empty()) {
    return s3::Error(s3::Code::InvalidArgument,
                     "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
        .with("ArgumentName", "Authorization")
        .with("ArgumentValue", std::string(auth));
  }

  std::optional<std::string_view> amz_date = find_header(req, "x-amz-date");
  std::optional<std::string_view> date = find_header(req, "date");
  std::string_view request_time = trim(amz_date ? *amz_date : date ? *date : std::string_view());
  std::optional<int64_t> when = parse_request_time(request_time);
  if (!when) {
    return s3::Error(s3::Code::AccessDenied, "AWS authentication requires a valid Date or x-amz-date header");
  }
  if (*when > now_ms + kMaxSkewMs || *when < now_ms - kMaxSkewMs) {
    return s3::Error(s3::Code::RequestTimeTooSkewed,
                     "The difference between the request time and the current time is too large.")
        .with("RequestTime", std::string(request_time))
        .with("ServerTime", iso8601_ms(now_ms))
        .with("MaxAllowedSkewMilliseconds", std::to_string(kMaxSkewMs));
  }

  std::string_view md5 = trim(find_header(req, "content-md5").value_or(""));
  std::string_view type = trim(find_header(req, "content-type").value_or(""));
  AmzHeaders amz = amz_headers_of(req);
  AmzHeaders amz_without_date = amz;
  amz_without_date.erase("x-amz-date");
  std::vector<std::string> candidates;
  for (const std::string& path : signed_paths(vhost_bucket, req.target)) {
    std::string resource = canonical_resource(vhost_bucket, path, req.target);
    if (!amz_date) {
      candidates.push_back(string_to_sign(req.method, md5, type, request_time, amz, resource));
    } else {
      // The rule on AWS's page and what SDKs do: empty Date line, x-amz-date among the
      // amz headers. AWS's own published DELETE example instead moves the x-amz-date
      // value into the Date line; it signs the same facts, so it is accepted as well.
      candidates.push_back(string_to_sign(req.method, md5, type, "", amz, resource));
      candidates.push_back(string_to_sign(req.method, md5, type, request_time, amz_without_date, resource));
    }
  }
  return verify(store, access_key, signature, candidates, false);
}

// ?AWSAccessKeyId=...&Signature=...&Expires=<epoch seconds>. botocore moves the
// Content-Type, Content-MD5 and x-amz-* headers it signed into the query; a client that
// sends them as headers instead (the AWS page's way) is served too, a header winning
// for Content-Type/MD5 and a query value for x-amz-*.
s3::Result<Identity> authenticate_query(const RequestView& req, const CredentialStore& store, int64_t now_ms) {
  std::string_view vhost_bucket = req.vhost_bucket;
  std::optional<std::string> access_key, signature, expires, md5, type;
  AmzHeaders amz_query;
  for (auto& [name, value] : parse_query(query_of(req.target))) {
    std::string lname = to_lower(name);
    if (name == "AWSAccessKeyId" && !access_key)
      access_key = std::move(value);
    else if (name == "Signature" && !signature)
      signature = std::move(value);
    else if (name == "Expires" && !expires)
      expires = std::move(value);
    else if (lname == "content-md5" && !md5)
      md5 = std::move(value);
    else if (lname == "content-type" && !type)
      type = std::move(value);
    else if (is_amz_header(lname))
      amz_query[lname].push_back(std::string(trim(value)));
  }
  if (!access_key || !signature || !expires) {
    return s3::Error(s3::Code::AccessDenied,
                     "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
  }
  // Base64 has '+' but never ' ': a client that left '+' unescaped meant '+'.
  std::replace(signature->begin(), signature->end(), ' ', '+');
  if (!all_digits(*expires) || expires->size() > 15) {
    return s3::Error(s3::Code::AuthorizationQueryParametersError,
                     "Invalid date (should be seconds since epoch): " + *expires);
  }
  int64_t expires_ms = static_cast<int64_t>(parse_u64(*expires).value_or(0)) * 1000;
  if (now_ms > expires_ms) {
    return s3::Error(s3::Code::AccessDenied, "Request has expired")
        .with("Expires", iso8601_ms(expires_ms))
        .with("ServerTime", iso8601_ms(now_ms));
  }

  if (auto h = find_header(req, "content-md5")) md5 = std::string(trim(*h));
  if (auto h = find_header(req, "content-type")) type = std::string(trim(*h));
  AmzHeaders amz = amz_headers_of(req);
  // A header and a query parameter of the same name are signed once, with the query's
  // value: a header saying something else was not signed.
  std::vector<std::string> not_signed;
  for (auto& [name, values] : amz_query) {
    auto header = amz.find(name);
    if (header != amz.end() && header->second != values) not_signed.push_back(name);
    amz[name] = std::move(values);
  }
  if (!not_signed.empty()) return headers_not_signed(not_signed);
  std::vector<std::string> candidates;
  for (const std::string& path : signed_paths(vhost_bucket, req.target)) {
    candidates.push_back(string_to_sign(req.method, md5.value_or(""), type.value_or(""), *expires, amz,
                                        canonical_resource(vhost_bucket, path, req.target)));
  }
  return verify(store, *access_key, *signature, candidates, true);
}

}  // namespace

bool is_sigv2_authorization(std::string_view authorization) {
  authorization = trim(authorization);
  return authorization.size() > 4 && authorization.substr(0, 3) == "AWS" && is_ascii_space(authorization[3]);
}

bool has_sigv2_query(std::string_view raw_query) {
  for (const auto& [name, value] : parse_query(raw_query)) {
    if (name == "AWSAccessKeyId" || name == "Signature") return true;
  }
  return false;
}

s3::Result<Identity> authenticate_v2(const RequestView& req, const CredentialStore& store, int64_t now_ms) {
  if (auto auth = find_header(req, "authorization")) {
    if (is_sigv2_authorization(*auth)) return authenticate_header(req, *auth, store, now_ms);
    return s3::Error(s3::Code::InvalidArgument, "Unsupported Authorization Type")
        .with("ArgumentName", "Authorization")
        .with("ArgumentValue", std::string(*auth));
  }
  return authenticate_query(req, store, now_ms);
}

std::string sign_v2(std::string_view secret, std::string_view string_to_sign) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), mac, &len);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

}  // namespace silt::auth
