// Server-side encryption as S3 requests ask for it (docs/encryption.md): the key a new
// object or upload gets (x-amz-server-side-encryption*, else the bucket's default
// encryption), the data key a read of an encrypted object unseals (silt's keys, or the
// customer's key the request carries), the bucket default's document, and the headers
// that say what was applied. crypto/ does the cryptography; this file knows HTTP.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/object_model.h"
#include "crypto/key_set.h"
#include "object/object_layer.h"
#include "server/s3/response.h"
#include "server/s3/s3_request.h"

namespace silt::server {

// The bucket config (ObjectLayer::put_bucket_config) holding the default encryption.
inline constexpr std::string_view kEncryptionConfig = "encryption";
// Header prefixes of the customer key: for the object itself, and for a copy's source.
inline constexpr std::string_view kSseCHeaders = "x-amz-server-side-encryption-customer-";
inline constexpr std::string_view kCopySourceSseCHeaders = "x-amz-copy-source-server-side-encryption-customer-";

// A bucket's default encryption: <ServerSideEncryptionConfiguration><Rule>
// <ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256|aws:kms</SSEAlgorithm>
// <KMSMasterKeyID>..</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>
// <BucketKeyEnabled>..</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>.
struct BucketEncryption {
  std::string algorithm;    // "AES256" or "aws:kms"
  std::string kms_key_id;   // aws:kms only; empty: the keyring's first key
  bool bucket_key = false;  // new SSE-KMS objects ask for a Bucket Key (docs/encryption.md)
};
// MalformedXML for anything but exactly one such rule; InvalidArgument for another algorithm.
s3::Result<BucketEncryption> parse_bucket_encryption(std::string_view xml);
std::string bucket_encryption_xml(const BucketEncryption& e);
// Whether silt holds the key e names (PutBucketEncryption refuses a default no PUT could
// apply): NotImplemented without master keys or keyring, KMS.NotFoundException.
s3::Status can_apply(const BucketEncryption& e, const crypto::ServerKeys& keys);

// A customer-provided key (SSE-C) as the request gave it.
struct CustomerKey {
  std::string key;  // 32 raw bytes
  std::string md5;  // base64, as sent and echoed
};
// The key in the three headers under prefix (kSseCHeaders or kCopySourceSseCHeaders);
// nullopt when none of them is sent. InvalidArgument, with AWS's messages, for a missing
// header, an algorithm other than AES256, a key that is not 32 bytes of base64 or an MD5
// that is not the key's.
s3::Result<std::optional<CustomerKey>> customer_key(const S3Request& req, std::string_view prefix);

// What a new object or upload is encrypted with.
struct SseChoice {
  ObjectSse sse;                 // for the object's meta; empty: stored in the clear
  std::string data_key;          // crypto::new_data_key's, opaque; empty when sse is
  std::string customer_key_md5;  // SSE-C: echoed in the response
};
// PutObject, CopyObject (its destination), CreateMultipartUpload: the request's headers,
// else bucket_default (the stored kEncryptionConfig document, if any). InvalidArgument for
// an unknown algorithm or conflicting headers, KMS.NotFoundException for a key id not in
// the keyring, NotImplemented when silt holds no key of the kind asked for. zstd_level > 0:
// the data key compresses each package before sealing it (crypto::new_data_key).
// SSE-KMS: the data key is sealed with the encryption context (x-amz-server-side-encryption-
// context, plus aws:s3:arn of req.bucket/req.key unless given; InvalidArgument, AWS's words,
// for one that is not base64 of a JSON object of strings, or longer than 8 KiB, or sent
// without aws:kms), and sse.bucket_key is x-amz-server-side-encryption-bucket-key-enabled,
// else bucket_default's BucketKeyEnabled.
s3::Result<SseChoice> choose_sse(const S3Request& req, const crypto::ServerKeys& keys,
                                 const std::optional<std::string>& bucket_default, int zstd_level = 0);

// choose_sse with the bucket's stored default, read when the request names no encryption
// of its own or does not say whether it wants a Bucket Key, for an object (or upload) stored in storage_class: its data
// key compresses when that class's pool does. Blocking: call on the pool.
s3::Result<SseChoice> choose_sse(const S3Request& req, const crypto::ServerKeys& keys, ObjectLayer& objects,
                                 std::string_view storage_class);

// writer, encrypting with data_key when there is one (crypto/object_cipher.h): the stored
// ETag is the plaintext's MD5 for SSE-S3 only, as on AWS. part: the part number, or
// crypto::kSinglePart.
std::unique_ptr<ObjectWriter> encrypt_writes(std::unique_ptr<ObjectWriter> writer, const ObjectSse& sse,
                                             const std::string& data_key, int part);

// Plaintext [offset, offset+length) of the object stored (as stat_object gave it), decrypted
// with data_key when it is encrypted. Blocking.
s3::Result<std::unique_ptr<ObjectReader>> open_plaintext(ObjectLayer& objects, const ObjectInfo& stored,
                                                         const std::string& data_key, uint64_t offset, uint64_t length);

// The data key of an object (or upload) encrypted as sse, for a request that reads or
// extends it; prefix names its customer-key headers. An object stored in the clear gives
// an empty key, and InvalidRequest if a customer key was sent for it. SSE-C: InvalidRequest
// without a key, AccessDenied for a key that is not the one it was written with.
struct DataKey {
  std::string key;               // the data key (crypto/object_cipher.h); empty: not encrypted
  std::string customer_key_md5;  // SSE-C: as the request sent it
};
s3::Result<DataKey> data_key_for(const ObjectSse& sse, const S3Request& req, const crypto::ServerKeys& keys,
                                 std::string_view prefix = kSseCHeaders);

// The account id in the ARNs silt gives its keyring keys: silt has no AWS account, and a
// fixed one keeps the ARN of a key the same on every server (docs/encryption.md).
inline constexpr std::string_view kKmsAccount = "000000000000";
// "arn:aws:kms:<region>:<kKmsAccount>:key/<key_id>": the form AWS answers
// x-amz-server-side-encryption-aws-kms-key-id in, whichever form the request named it by.
std::string kms_key_arn(std::string_view region, std::string_view key_id);

// x-amz-server-side-encryption (+ -aws-kms-key-id, the key's ARN in region), or for SSE-C
// x-amz-server-side-encryption-customer-algorithm and -customer-key-MD5, as AWS answers
// a write or read of such an object, and x-amz-server-side-encryption-bucket-key-enabled
// for an SSE-KMS object that asked for a Bucket Key. Nothing for an object in the clear.
void add_sse_headers(Response& r, const ObjectSse& sse, std::string_view customer_key_md5, std::string_view region);

// x-amz-server-side-encryption-context (base64 of the stored context) for an SSE-KMS
// object: AWS answers it to PutObject, CopyObject and CreateMultipartUpload only.
void add_sse_context_header(Response& r, const ObjectSse& sse);

}  // namespace silt::server
