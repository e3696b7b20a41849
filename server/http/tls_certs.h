// The server's TLS certificate, in MinIO's layout: DIR/public.crt (the certificate, then any
// intermediates) and DIR/private.key. Reloadable: connections accepted after a reload use the
// new pair, connections already open keep the context they started with.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "common/error.h"

namespace silt::server {

inline constexpr const char* kCertFile = "public.crt";
inline constexpr const char* kKeyFile = "private.key";

// A server context for DIR's pair: TLS 1.2 and later, OpenSSL's default ciphers, ALPN answering
// http/1.1. Fails with a message naming the file when either is missing or unreadable, or when
// the key does not belong to the certificate.
s3::Result<std::shared_ptr<boost::asio::ssl::context>> load_tls_context(const std::string& dir);

// "CN=silt.example, serial 1A2B, expires 2027-11-22 14:00:00 UTC": what a reload log line says.
std::string describe_certificate(boost::asio::ssl::context& ctx);

class TlsCerts {
 public:
  static s3::Result<std::unique_ptr<TlsCerts>> open(const std::string& dir);

  // The context a new connection handshakes with.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Reads the pair again; on failure the old one stays in use and the error says why.
  s3::Status reload();
  const std::string& dir() const { return dir_; }

 private:
  TlsCerts(std::string dir, std::shared_ptr<boost::asio::ssl::context> ctx)
      : dir_(std::move(dir)), ctx_(std::move(ctx)) {}

  std::string dir_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;
};

}  // namespace silt::server
