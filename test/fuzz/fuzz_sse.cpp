// Server-side encryption's parsers: PutBucketEncryption's document, the headers of a
// PUT that ask for encryption (SSE-S3, SSE-KMS with a key id, an encryption context and
// a Bucket Key, SSE-C and its copy-source form), and the key files silt loads
// (crypto::KeySet). The first input byte picks the parser, the rest is the input; for
// headers it is the fuzz_input.h layout. Beyond "no crash": refusals carry only the
// codes AWS gives, an accepted document survives its own canonical form, and an accepted
// SSE-C key is 32 bytes whose MD5 is the one sent.
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <optional>

#include "crypto/key_set.h"
#include "fuzz_input.h"
#include "server/s3/sse.h"
#include "util/hash.h"

using namespace silt;
namespace http = boost::beast::http;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// One master key and one keyring key, so that SSE-S3 and SSE-KMS choices can succeed.
const crypto::ServerKeys& server_keys() {
  static const crypto::ServerKeys keys = [] {
    crypto::ServerKeys k;
    k.master = *crypto::KeySet::parse("m1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    k.keyring = *crypto::KeySet::parse("alias/lake:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=");
    return k;
  }();
  return keys;
}

void fuzz_document(std::string_view body) {
  auto e = server::parse_bucket_encryption(body);
  if (!e) {
    require(e.error().code == s3::Code::MalformedXML || e.error().code == s3::Code::InvalidArgument);
    return;
  }
  auto again = server::parse_bucket_encryption(server::bucket_encryption_xml(*e));
  require(again && again->algorithm == e->algorithm && again->kms_key_id == e->kms_key_id &&
          again->bucket_key == e->bucket_key);
  (void)server::can_apply(*e, server_keys());
}

void fuzz_headers(std::string_view in) {
  http::request_header<> h;
  h.method(http::verb::put);
  h.target("/bucket/key");
  for (auto line : fuzz::lines(in)) {
    auto [name, value] = fuzz::header_line(line);
    if (name.empty()) continue;
    // Owned, as in fuzz_conditional.cpp: Boost 1.81's iequals reads one byte past a name.
    const std::string owned_name(name);
    h.insert(owned_name, value);
  }
  server::S3Request req;
  req.header = &h;
  req.method = h.method();
  req.bucket = "bucket";
  req.key = "key";
  req.has_key = true;
  for (auto prefix : {server::kSseCHeaders, server::kCopySourceSseCHeaders}) {
    auto k = server::customer_key(req, prefix);
    if (!k) {
      require(k.error().code == s3::Code::InvalidArgument);
    } else if (*k) {
      require((*k)->key.size() == 32);
      std::string sent;
      require(base64_decode((*k)->md5, sent) && sent == md5_raw((*k)->key));
    }
  }
  const std::optional<std::string> by_default =
      "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms"
      "</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule>"
      "</ServerSideEncryptionConfiguration>";
  for (const auto& d : {std::optional<std::string>{}, by_default}) {
    auto c = server::choose_sse(req, server_keys(), d);
    if (!c) {
      const auto code = c.error().code;
      require(code == s3::Code::InvalidArgument || code == s3::Code::KmsNotFound || code == s3::Code::NotImplemented);
    } else if (!c->sse.algorithm.empty()) {
      require(!c->data_key.empty() && !c->sse.sealed_key.empty());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in = fuzz::as_view(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: fuzz_document(in); break;
    case 1: fuzz_headers(in); break;
    case 2:
      if (auto k = crypto::KeySet::parse(in); k && !k->empty()) require(k->current()->key.size() == 32);
      break;
  }
  return 0;
}
