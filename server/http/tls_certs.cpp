#include "server/http/tls_certs.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace silt::server {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

s3::Error failure(std::string message) {
  return s3::Error(s3::Code::InternalError, std::move(message));
}

// Only HTTP/1.1 is spoken here. A client offering only other protocols (h2 alone) gets no ALPN
// answer rather than a fatal alert, and may still try HTTP/1.1.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
  static const unsigned char kHttp11[] = "\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11 - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

bool looks_encrypted(const fs::path& key) {
  std::ifstream in(key);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.find("ENCRYPTED") != std::string::npos;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace

s3::Result<std::shared_ptr<asio::ssl::context>> load_tls_context(const std::string& dir) {
  const fs::path cert = fs::path(dir) / kCertFile;
  const fs::path key = fs::path(dir) / kKeyFile;
  for (const auto& p : {cert, key}) {
    std::error_code fec;
    if (!fs::is_regular_file(p, fec)) return failure("TLS: " + p.string() + " is missing (or not a file)");
  }

  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) return failure("TLS: cannot require TLS 1.2");
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  // No passphrase: without this callback OpenSSL would prompt on the terminal for an encrypted key.
  ctx->set_password_callback([](std::size_t, asio::ssl::context::password_purpose) { return std::string(); });

  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert.string(), ec);
  if (ec) return failure("TLS: cannot load the certificate chain " + cert.string() + ": " + ec.message());
  ctx->use_private_key_file(key.string(), asio::ssl::context::pem, ec);
  // OpenSSL checks the pair while loading the key ("key values mismatch"); say it plainly.
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) ec = {};
  if (ec) {
    std::string hint = looks_encrypted(key) ? " (the key is encrypted; silt needs it unencrypted)" : "";
    return failure("TLS: cannot load the private key " + key.string() + ": " + ec.message() + hint);
  }
  if (SSL_CTX_check_private_key(native) != 1)
    return failure("TLS: " + key.string() + " does not belong to the certificate in " + cert.string());
  return ctx;
}

std::string describe_certificate(asio::ssl::context& ctx) {
  X509* x = SSL_CTX_get0_certificate(ctx.native_handle());
  if (!x) return "no certificate";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio) return "?";
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
  std::string out = bio_text(bio.get());
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      out += ", serial " + std::string(hex);
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  (void)BIO_reset(bio.get());
  if (ASN1_TIME_print(bio.get(), X509_get0_notAfter(x)) == 1) out += ", expires " + bio_text(bio.get());
  return out;
}

s3::Result<std::unique_ptr<TlsCerts>> TlsCerts::open(const std::string& dir) {
  auto ctx = load_tls_context(dir);
  if (!ctx) return ctx.error();
  return std::unique_ptr<TlsCerts>(new TlsCerts(dir, std::move(*ctx)));
}

std::shared_ptr<asio::ssl::context> TlsCerts::current() const {
  std::lock_guard lock(mu_);
  return ctx_;
}

s3::Status TlsCerts::reload() {
  auto ctx = load_tls_context(dir_);
  if (!ctx) return ctx.error();
  std::lock_guard lock(mu_);
  ctx_ = std::move(*ctx);
  return {};
}

}  // namespace silt::server
