#include "bench/s3_client.h"

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/system_error.hpp>
#include <cstdio>

#include "auth/sigv4.h"
#include "util/hash.h"
#include "util/time.h"

namespace silt::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr size_t kErrorBodyKeep = 4096;

std::string hex_size(uint64_t n) {
  char b[24];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(n));
  return b;
}

// Bytes on the wire of an aws-chunked body with chunk signatures.
uint64_t chunked_length(uint64_t size, size_t chunk) {
  constexpr uint64_t kSigPart = std::string_view(";chunk-signature=").size() + 64 + 2;  // + CRLF
  uint64_t total = 0;
  for (uint64_t off = 0; off < size; off += chunk) {
    uint64_t n = std::min<uint64_t>(chunk, size - off);
    total += hex_size(n).size() + kSigPart + n + 2;
  }
  return total + 1 + kSigPart + 2;  // "0;chunk-signature=...\r\n\r\n"
}

}  // namespace

std::string Response::describe() const {
  if (!error.empty()) return error;
  std::string code;
  size_t a = body.find("<Code>"), b = body.find("</Code>");
  if (a != std::string::npos && b != std::string::npos && b > a) code = " " + body.substr(a + 6, b - a - 6);
  return "HTTP " + std::to_string(status) + code;
}

S3Client::S3Client(const Endpoint& ep, Payload& payload)
    : ep_(ep), payload_(payload), sock_(io_), body_buf_(256 * 1024) {}

void S3Client::connect() {
  boost::system::error_code ignored;
  tls_.reset();
  sock_.close(ignored);
  rx_.clear();
  asio::ip::tcp::resolver resolver(io_);
  asio::connect(sock_, resolver.resolve(ep_.host, ep_.port));
  sock_.set_option(asio::ip::tcp::no_delay(true));
  if (ep_.tls) {
    if (!tls_ctx_) {
      auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
      static const unsigned char kHttp11[] = "\x08http/1.1";
      SSL_CTX_set_alpn_protos(ctx->native_handle(), kHttp11, sizeof kHttp11 - 1);
      ctx->set_verify_mode(ep_.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
      if (ep_.ca_bundle.empty())
        ctx->set_default_verify_paths();
      else
        ctx->load_verify_file(ep_.ca_bundle);  // throws: reported as the request's error
      tls_ctx_ = std::move(ctx);
    }
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(sock_, *tls_ctx_);
    boost::system::error_code not_ip;
    asio::ip::make_address(ep_.host, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(tls_->native_handle(), ep_.host.c_str());
    if (!ep_.insecure) tls_->set_verify_callback(asio::ssl::host_name_verification(ep_.host));
    tls_->handshake(asio::ssl::stream_base::client);
  }
  connected_ = true;
}

Response S3Client::put_object(const std::string& target, uint64_t size, PayloadKind kind) {
  return exchange("PUT", target, {}, size, kind, false);
}

Response S3Client::get(const std::string& target, std::string_view range, bool keep_body) {
  Headers h;
  if (!range.empty()) h.emplace_back("Range", std::string(range));
  return exchange("GET", target, std::move(h), 0, PayloadKind::Signed, keep_body);
}

Response S3Client::put_empty(const std::string& target) {
  return exchange("PUT", target, {}, 0, PayloadKind::Signed, true);
}

Response S3Client::exchange(std::string_view method, const std::string& target, Headers headers, uint64_t size,
                            PayloadKind kind, bool keep_body) {
  // A keep-alive connection the server closed while idle fails on first use: retry once on a new one.
  for (int attempt = 0;; ++attempt) {
    bool reused = connected_;
    try {
      if (!connected_) connect();
      Headers h = headers;
      send(method, target, h, size, kind);
      return receive(keep_body);
    } catch (const boost::system::system_error& e) {
      connected_ = false;
      if (reused && attempt == 0) continue;
      Response r;
      r.error = e.code().message();
      return r;
    }
  }
}

void S3Client::send(std::string_view method, const std::string& target, Headers& h, uint64_t size, PayloadKind kind) {
  std::string date = amz_date(now_ms());
  std::string payload_hash;
  bool body = method == "PUT" || method == "POST";
  if (!body || size == 0)
    payload_hash = kind == PayloadKind::Unsigned ? "UNSIGNED-PAYLOAD" : std::string(kEmptySha256);
  else if (kind == PayloadKind::Unsigned)
    payload_hash = "UNSIGNED-PAYLOAD";
  else if (kind == PayloadKind::Signed)
    payload_hash = payload_.body_sha256_hex(size);
  else
    payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  bool chunked = body && size > 0 && kind == PayloadKind::Chunked;

  h.emplace_back("host", ep_.host_header());
  h.emplace_back("x-amz-date", date);
  h.emplace_back("x-amz-content-sha256", payload_hash);
  if (chunked) {
    h.emplace_back("content-encoding", "aws-chunked");
    h.emplace_back("x-amz-decoded-content-length", std::to_string(size));
  }
  std::string auth = auth::sign_request(method, target, h, payload_hash, ep_.access_key, ep_.secret_key, ep_.region);
  uint64_t wire = chunked ? chunked_length(size, payload_.chunk_size()) : size;

  std::string head;
  head.reserve(512);
  head.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  for (const auto& [k, v] : h) head.append(k).append(": ").append(v).append("\r\n");
  head.append("authorization: ").append(auth).append("\r\n");
  if (body) head.append("content-length: ").append(std::to_string(wire)).append("\r\n");
  head.append("\r\n");
  on_stream([&](auto& s) { asio::write(s, asio::buffer(head)); });

  if (!chunked) {
    for (uint64_t off = 0; off < size;) {
      size_t n = payload_.piece(off, size - off);
      on_stream([&](auto& s) { asio::write(s, asio::buffer(payload_.slice(off, n))); });
      off += n;
    }
    return;
  }

  // aws-chunked: every chunk signature chains from the previous one, starting at the request's.
  std::string scope = date.substr(0, 8) + "/" + ep_.region + "/s3/aws4_request";
  std::string key = auth::derive_signing_key(ep_.secret_key, date.substr(0, 8), ep_.region, "s3");
  std::string prev = auth.substr(auth.rfind("Signature=") + 10);
  auto sign_chunk = [&](const std::string& data_hash) {
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + date + "\n" + scope + "\n" + prev + "\n" +
                      std::string(kEmptySha256) + "\n" + data_hash;
    prev = hex_encode(hmac_sha256_raw(key, sts));
    return prev;
  };
  size_t cs = payload_.chunk_size();
  static constexpr std::string_view kCrlf = "\r\n";
  for (uint64_t off = 0; off < size; off += cs) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(cs, size - off));
    std::string ch = hex_size(n) + ";chunk-signature=" + sign_chunk(payload_.chunk_sha256_hex(off, n)) + "\r\n";
    std::array<asio::const_buffer, 3> bufs{asio::buffer(ch), asio::buffer(payload_.slice(off, n)), asio::buffer(kCrlf)};
    on_stream([&](auto& s) { asio::write(s, bufs); });
  }
  std::string last = "0;chunk-signature=" + sign_chunk(std::string(kEmptySha256)) + "\r\n\r\n";
  on_stream([&](auto& s) { asio::write(s, asio::buffer(last)); });
}

Response S3Client::receive(bool keep_body) {
  Response r;
  http::response_parser<http::buffer_body> p;
  p.body_limit(boost::none);
  on_stream([&](auto& s) { http::read_header(s, rx_, p); });
  r.status = p.get().result_int();
  bool keep = keep_body || r.status >= 300;
  while (!p.is_done()) {
    p.get().body().data = body_buf_.data();
    p.get().body().size = body_buf_.size();
    boost::system::error_code ec;
    on_stream([&](auto& s) { http::read(s, rx_, p, ec); });
    if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
    size_t got = body_buf_.size() - p.get().body().size;
    r.body_bytes += got;
    if (keep && (keep_body || r.body.size() < kErrorBodyKeep)) r.body.append(body_buf_.data(), got);
  }
  if (!p.keep_alive()) connected_ = false;
  return r;
}

}  // namespace silt::bench
