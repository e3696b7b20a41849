#include "server/s3/sse.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "crypto/aes_gcm.h"
#include "crypto/object_cipher.h"
#include "server/s3/handlers/request_xml.h"
#include "server/s3/xml_writer.h"
#include "util/hash.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace silt::server {

namespace {

constexpr std::string_view kSseS3 = "AES256";
constexpr std::string_view kSseKms = "aws:kms";
constexpr std::string_view kSseC = "SSE-C";
constexpr std::string_view kContextHeader = "x-amz-server-side-encryption-context";
constexpr std::string_view kBucketKeyHeader = "x-amz-server-side-encryption-bucket-key-enabled";
// The context is request input kept in the record and echoed: bounded like any header
// value that is stored (docs/security.md).
constexpr size_t kMaxContextHeaderBytes = 8192;
constexpr std::string_view kKmsRequired =
    "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms";

s3::Error invalid(std::string message, std::string_view header) {
  return s3::Error(s3::Code::InvalidArgument, std::move(message)).with("ArgumentName", std::string(header));
}

// The keyring name a client's key id means: the name itself, or the tail of an ARN
// ("arn:aws:kms:REGION:ACCOUNT:key/NAME") or alias ("alias/NAME"), as AWS accepts all three.
const crypto::NamedKey* keyring_key(const crypto::KeySet& ring, std::string_view id) {
  if (id.empty()) return ring.current();
  if (auto* k = ring.find(id)) return k;
  if (id.rfind("arn:", 0) == 0) id = id.substr(id.rfind(':') + 1);
  for (std::string_view prefix : {"key/", "alias/"})
    if (id.rfind(prefix, 0) == 0) return ring.find(id.substr(prefix.size()));
  return nullptr;
}

// The encryption context an SSE-KMS object is sealed with: the request's (base64 of a
// JSON object of string pairs), plus "aws:s3:arn" = the object's ARN unless given, as AWS
// adds it. Canonical JSON (keys sorted), so the stored text is what the AAD binds.
s3::Result<std::string> kms_context(const S3Request& req) {
  using nlohmann::json;
  auto bad = [] {
    return invalid(
        "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which "
        "represents a string-string map",
        kContextHeader);
  };
  json ctx = json::object();
  if (req.has_header(kContextHeader)) {
    const auto sent = req.header_value(kContextHeader);
    if (sent.size() > kMaxContextHeaderBytes)
      return invalid("The header 'x-amz-server-side-encryption-context' is longer than " +
                         std::to_string(kMaxContextHeaderBytes) + " bytes.",
                     kContextHeader);
    std::string text;
    if (!base64_decode(sent, text) || !valid_utf8(text)) return bad();
    ctx = json::parse(text, nullptr, false);
    if (ctx.is_discarded() || !ctx.is_object()) return bad();
    for (const auto& [k, v] : ctx.items())
      if (!v.is_string()) return bad();
  }
  if (!ctx.contains("aws:s3:arn")) ctx["aws:s3:arn"] = "arn:aws:s3:::" + req.bucket + "/" + req.key;
  // A key that is not UTF-8 cannot be named in JSON: its bytes are replaced in the ARN.
  return ctx.dump(-1, ' ', false, json::error_handler_t::replace);
}

// context: SSE-KMS's encryption context, sealed into the data key's AAD.
s3::Result<SseChoice> sealed_by(std::string_view algorithm, const crypto::NamedKey& kek, int zstd_level,
                                std::string context = {}) {
  SseChoice c;
  c.sse.algorithm = std::string(algorithm);
  c.sse.key_id = kek.id;
  c.sse.context = std::move(context);
  c.data_key = crypto::new_data_key(zstd_level);
  c.sse.sealed_key = crypto::seal_data_key(kek.key, c.sse, c.data_key);
  return c;
}

// req: the request whose object is encrypted (its encryption context and ARN), or null
// for a check that seals nothing kept (can_apply).
s3::Result<SseChoice> server_side(std::string_view algorithm, std::string_view kms_key_id,
                                  const crypto::ServerKeys& keys, int zstd_level, const S3Request* req) {
  if (algorithm == kSseS3) {
    if (!kms_key_id.empty()) return invalid(std::string(kKmsRequired), "x-amz-server-side-encryption-aws-kms-key-id");
    if (keys.master.empty())
      return s3::Error(s3::Code::NotImplemented,
                       "A header you provided implies functionality that is not implemented: this silt was started "
                       "without a master key (--sse-master-key-file), so it cannot encrypt with SSE-S3.");
    return sealed_by(kSseS3, *keys.master.current(), zstd_level);
  }
  if (algorithm == kSseKms) {
    if (keys.keyring.empty())
      return s3::Error(s3::Code::NotImplemented,
                       "A header you provided implies functionality that is not implemented: this silt was started "
                       "without a keyring (--sse-keyring-file), so it cannot encrypt with SSE-KMS.");
    const auto* k = keyring_key(keys.keyring, kms_key_id);
    if (!k) return s3::Error(s3::Code::KmsNotFound, "Invalid keyId '" + std::string(kms_key_id) + "'");
    std::string context;
    if (req) {
      auto c = kms_context(*req);
      if (!c) return c.error();
      context = std::move(*c);
    }
    return sealed_by(kSseKms, *k, zstd_level, std::move(context));
  }
  if (algorithm == "aws:kms:dsse")
    return s3::Error(s3::Code::NotImplemented,
                     "A header you provided implies functionality that is not implemented: silt does not encrypt "
                     "twice (DSSE-KMS).");
  return invalid("The encryption method specified is not supported", "x-amz-server-side-encryption");
}

// The zstd level of the pool storage_class ("": STANDARD) is stored in; 0 when that pool
// does not compress.
int zstd_level_of(const ObjectLayer& objects, std::string_view storage_class) {
  if (storage_class.empty()) storage_class = "STANDARD";
  for (const auto& pool : objects.pools())
    for (const auto& cls : pool.storage_classes)
      if (cls == storage_class) return pool.zstd_level;
  return 0;
}

bool is_true(std::string_view v) {
  return v == "true" || v == "1";
}

// x-amz-server-side-encryption-bucket-key-enabled as sent: nullopt when absent.
s3::Result<std::optional<bool>> bucket_key_header(const S3Request& req) {
  if (!req.has_header(kBucketKeyHeader)) return std::optional<bool>{};
  const auto v = req.header_value(kBucketKeyHeader);
  if (iequals(v, "true")) return std::optional<bool>{true};
  if (iequals(v, "false")) return std::optional<bool>{false};
  return invalid("Invalid value for header x-amz-server-side-encryption-bucket-key-enabled", kBucketKeyHeader);
}

}  // namespace

s3::Result<BucketEncryption> parse_bucket_encryption(std::string_view xml) {
  pugi::xml_document doc;
  if (xml_has_nul(xml) || !doc.load_buffer(xml.data(), xml.size())) return malformed_xml();
  auto root = doc.child("ServerSideEncryptionConfiguration");
  auto rule = root.child("Rule");
  if (!root || !rule || rule.next_sibling("Rule")) return malformed_xml();
  auto by_default = rule.child("ApplyServerSideEncryptionByDefault");
  BucketEncryption out;
  out.algorithm = by_default.child("SSEAlgorithm").child_value();
  out.kms_key_id = by_default.child("KMSMasterKeyID").child_value();
  out.bucket_key = is_true(rule.child("BucketKeyEnabled").child_value());
  if (!by_default) return malformed_xml();
  if (out.algorithm != kSseS3 && out.algorithm != kSseKms)
    return s3::Error(s3::Code::MalformedXML,
                     "The XML you provided was not well-formed or did not validate against "
                     "our published schema");
  if (out.algorithm == kSseS3 && !out.kms_key_id.empty())
    return s3::Error(s3::Code::InvalidArgument,
                     "a KMSMasterKeyID is not applicable if the default sse algorithm is "
                     "not aws:kms or aws:kms:dsse");
  return out;
}

std::string bucket_encryption_xml(const BucketEncryption& e) {
  XmlWriter w("ServerSideEncryptionConfiguration");
  w.open("Rule");
  w.open("ApplyServerSideEncryptionByDefault");
  w.element("SSEAlgorithm", e.algorithm);
  if (!e.kms_key_id.empty()) w.element("KMSMasterKeyID", e.kms_key_id);
  w.close("ApplyServerSideEncryptionByDefault");
  w.element("BucketKeyEnabled", e.bucket_key ? "true" : "false");
  w.close("Rule");
  return w.finish();
}

s3::Status can_apply(const BucketEncryption& e, const crypto::ServerKeys& keys) {
  auto c = server_side(e.algorithm, e.kms_key_id, keys, 0, nullptr);
  if (!c) return c.error();
  return {};
}

s3::Result<std::optional<CustomerKey>> customer_key(const S3Request& req, std::string_view prefix) {
  const std::string p(prefix);
  const bool has_algo = req.has_header(p + "algorithm"), has_key = req.has_header(p + "key"),
             has_md5 = req.has_header(p + "key-md5");
  if (!has_algo && !has_key && !has_md5) return std::optional<CustomerKey>{};
  if (req.header_value(p + "algorithm") != kSseS3)
    return invalid(
        "Requests specifying Server Side Encryption with Customer provided keys must provide a valid "
        "encryption algorithm.",
        p + "algorithm");
  if (!has_key)
    return invalid(
        "Requests specifying Server Side Encryption with Customer provided keys must provide an "
        "appropriate secret key.",
        p + "key");
  if (!has_md5)
    return invalid(
        "Requests specifying Server Side Encryption with Customer provided keys must provide the client "
        "calculated MD5 of the secret key.",
        p + "key-MD5");
  CustomerKey out;
  if (!base64_decode(req.header_value(p + "key"), out.key) || out.key.size() != crypto::kKeyBytes)
    return invalid("The secret key was invalid for the specified algorithm.", p + "key");
  std::string sent_md5;
  out.md5 = std::string(req.header_value(p + "key-md5"));
  if (!base64_decode(out.md5, sent_md5) || sent_md5 != md5_raw(out.key))
    return invalid("The calculated MD5 hash of the key did not match the hash that was provided.", p + "key-MD5");
  return std::optional<CustomerKey>{std::move(out)};
}

s3::Result<SseChoice> choose_sse(const S3Request& req, const crypto::ServerKeys& keys,
                                 const std::optional<std::string>& bucket_default, int zstd_level) {
  auto customer = customer_key(req, kSseCHeaders);
  if (!customer) return customer.error();
  auto bucket_key = bucket_key_header(req);
  if (!bucket_key) return bucket_key.error();
  std::optional<BucketEncryption> by_default;
  if (bucket_default) {
    auto d = parse_bucket_encryption(*bucket_default);
    if (!d) return d.error();
    by_default = std::move(*d);
  }
  const bool asks_server_side = req.has_header("x-amz-server-side-encryption");
  const auto kms_key_id = req.header_value("x-amz-server-side-encryption-aws-kms-key-id");
  s3::Result<SseChoice> c = SseChoice{};
  if (*customer) {
    if (asks_server_side)
      return invalid(
          "Server Side Encryption with Customer provided key is incompatible with the encryption method "
          "specified",
          "x-amz-server-side-encryption");
    c->sse.algorithm = std::string(kSseC);
    c->data_key = crypto::new_data_key(zstd_level);
    c->sse.sealed_key = crypto::seal_data_key((*customer)->key, c->sse, c->data_key);
    c->customer_key_md5 = (*customer)->md5;
  } else if (asks_server_side) {
    c = server_side(req.header_value("x-amz-server-side-encryption"), kms_key_id, keys, zstd_level, &req);
  } else if (!kms_key_id.empty()) {
    return invalid(std::string(kKmsRequired), "x-amz-server-side-encryption-aws-kms-key-id");
  } else if (by_default) {
    c = server_side(by_default->algorithm, by_default->kms_key_id, keys, zstd_level, &req);
  }
  if (!c) return c;
  if (c->sse.algorithm != kSseKms) {
    // A context only means something to a KMS key, as AWS answers.
    if (req.has_header(kContextHeader)) return invalid(std::string(kKmsRequired), kContextHeader);
    return c;
  }
  // An SSE-KMS object asks for a Bucket Key by header, else as the bucket's default says.
  c->sse.bucket_key = bucket_key->value_or(by_default && by_default->bucket_key);
  return c;
}

s3::Result<SseChoice> choose_sse(const S3Request& req, const crypto::ServerKeys& keys, ObjectLayer& objects,
                                 std::string_view storage_class) {
  std::optional<std::string> bucket_default;
  const bool names_own =
      req.has_header("x-amz-server-side-encryption") || req.has_header("x-amz-server-side-encryption-aws-kms-key-id") ||
      req.has_header(std::string(kSseCHeaders) + "algorithm") || req.has_header(std::string(kSseCHeaders) + "key") ||
      req.has_header(std::string(kSseCHeaders) + "key-md5");
  // Read also when the request names its own encryption but not whether it wants a Bucket
  // Key: then the bucket's default says (AWS).
  if (!names_own || !req.has_header(kBucketKeyHeader)) {
    auto doc = objects.get_bucket_config(req.bucket, kEncryptionConfig);
    if (!doc) return doc.error();
    bucket_default = std::move(*doc);
  }
  return choose_sse(req, keys, bucket_default, zstd_level_of(objects, storage_class));
}

std::unique_ptr<ObjectWriter> encrypt_writes(std::unique_ptr<ObjectWriter> writer, const ObjectSse& sse,
                                             const std::string& data_key, int part) {
  if (data_key.empty()) return writer;
  return crypto::encrypting_writer(std::move(writer), data_key, part, sse.algorithm == kSseS3);
}

s3::Result<std::unique_ptr<ObjectReader>> open_plaintext(ObjectLayer& objects, const ObjectInfo& stored,
                                                         const std::string& data_key, uint64_t offset,
                                                         uint64_t length) {
  if (data_key.empty()) return objects.open_object(stored, offset, length);
  return crypto::open_decrypting(objects, stored, data_key, offset, length);
}

s3::Result<DataKey> data_key_for(const ObjectSse& sse, const S3Request& req, const crypto::ServerKeys& keys,
                                 std::string_view prefix) {
  auto customer = customer_key(req, prefix);
  if (!customer) return customer.error();
  DataKey out;
  if (sse.empty()) {
    if (*customer)
      return s3::Error(s3::Code::InvalidRequest, "The encryption parameters are not applicable to this object.");
    return out;
  }
  std::optional<std::string> key;
  if (sse.algorithm == kSseC) {
    if (!*customer)
      return s3::Error(s3::Code::InvalidRequest,
                       "The object was stored using a form of Server Side Encryption. The correct parameters must be "
                       "provided to retrieve the object.");
    key = crypto::open_data_key((*customer)->key, sse);
    if (!key) return s3::Error(s3::Code::AccessDenied, "Access Denied");
    out.customer_key_md5 = (*customer)->md5;
  } else {
    if (*customer)
      return s3::Error(s3::Code::InvalidRequest, "The encryption parameters are not applicable to this object.");
    const auto* kek = (sse.algorithm == kSseKms ? keys.keyring : keys.master).find(sse.key_id);
    // The key that sealed it is gone from silt's configuration: an operator's error, not the client's.
    if (!kek)
      return s3::Error(s3::Code::InternalError,
                       "The object's encryption key " + sse.key_id + " is not configured on this server.");
    key = crypto::open_data_key(kek->key, sse);
    if (!key) return s3::Error(s3::Code::InternalError, "The object's data key does not open with key " + sse.key_id);
  }
  out.key = std::move(*key);
  return out;
}

std::string kms_key_arn(std::string_view region, std::string_view key_id) {
  return "arn:aws:kms:" + std::string(region) + ":" + std::string(kKmsAccount) + ":key/" + std::string(key_id);
}

void add_sse_headers(Response& r, const ObjectSse& sse, std::string_view customer_key_md5, std::string_view region) {
  if (sse.empty()) return;
  if (sse.algorithm == kSseC) {
    // Only a request that carried the key hears it back.
    if (customer_key_md5.empty()) return;
    r.add("x-amz-server-side-encryption-customer-algorithm", std::string(kSseS3));
    r.add("x-amz-server-side-encryption-customer-key-MD5", std::string(customer_key_md5));
    return;
  }
  r.add("x-amz-server-side-encryption", sse.algorithm);
  if (sse.algorithm != kSseKms) return;
  r.add("x-amz-server-side-encryption-aws-kms-key-id", kms_key_arn(region, sse.key_id));
  if (sse.bucket_key) r.add(std::string(kBucketKeyHeader), "true");
}

void add_sse_context_header(Response& r, const ObjectSse& sse) {
  // Stored as silt wrote it (kms_context), so it is JSON of valid UTF-8; base64 keeps it one header line.
  if (sse.algorithm == kSseKms && !sse.context.empty()) r.add(std::string(kContextHeader), base64_encode(sse.context));
}

}  // namespace silt::server
