// The TLS side of a client connection: which server certificates it trusts, and the context
// every https connection of a client is made from.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/error.h"

namespace silt::client {

// How an https endpoint's certificate is checked.
struct TlsOptions {
  std::string ca_bundle;  // PEM file of trusted CAs; empty: the system's (SSL_CERT_FILE, SSL_CERT_DIR)
  bool insecure = false;  // accept any certificate (self-signed test setups)
};

// TLS 1.2 or later, HTTP/1.1 by ALPN, the peer's certificate verified against ca_bundle (else
// the system's CAs) unless insecure. The host name check is per connection (Connection).
// Fails, with a message naming the file, when the CA bundle cannot be loaded.
s3::Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const TlsOptions& options);

}  // namespace silt::client
