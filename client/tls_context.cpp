#include "client/tls_context.h"

#include <openssl/ssl.h>

namespace silt::client {

namespace asio = boost::asio;

s3::Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const TlsOptions& o) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  static const unsigned char kHttp11[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx->native_handle(), kHttp11, sizeof kHttp11 - 1);
  if (o.insecure) {
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ec;
  if (o.ca_bundle.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(o.ca_bundle, ec);
  if (ec)
    return s3::Error(
        s3::Code::InternalError,
        "cannot load the CA bundle " + (o.ca_bundle.empty() ? "of the system" : o.ca_bundle) + ": " + ec.message());
  return ctx;
}

}  // namespace silt::client
