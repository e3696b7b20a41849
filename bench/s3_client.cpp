#include "bench/s3_client.h"

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <cstdio>
#include <optional>

#include "auth/sigv4.h"
#include "util/hash.h"
#include "util/time.h"

namespace silt::bench {

namespace asio = boost::asio;
using client::kEmptySha256;

namespace {

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

S3Client::S3Client(const Endpoint& ep, Payload& payload) : ep_(ep), payload_(payload), conn_(ep.address, ep.tls) {}

Response S3Client::put_object(const std::string& target, uint64_t size, PayloadKind kind) {
  return exchange("PUT", target, {}, size, kind, false);
}

Response S3Client::get(const std::string& target, std::string_view range, bool keep_body) {
  client::Headers h;
  if (!range.empty()) h.emplace_back("range", std::string(range));
  return exchange("GET", target, h, 0, PayloadKind::Signed, keep_body);
}

Response S3Client::put_empty(const std::string& target) {
  return exchange("PUT", target, {}, 0, PayloadKind::Signed, true);
}

Response S3Client::exchange(std::string_view method, const std::string& target, const client::Headers& headers,
                            uint64_t size, PayloadKind kind, bool keep_body) {
  const client::BodyLimits limits{.keep = keep_body ? std::numeric_limits<size_t>::max() : 0,
                                  .keep_error = kErrorBodyKeep};
  for (int attempt = 0;; ++attempt) {
    bool reused = conn_.is_open();
    auto answer = [&]() -> s3::Result<client::Response> {
      if (!conn_.is_open())
        if (auto st = conn_.connect(); !st) return st.error();
      client::Headers h = headers;
      if (auto st = send(method, target, h, size, kind); !st) return st.error();
      return conn_.read_response(limits);
    }();
    if (answer) return Response{answer->status, answer->body_bytes, std::move(answer->body), {}};
    if (reused && attempt == 0) continue;  // the failed step closed the connection
    Response r;
    r.error = answer.error().message;
    return r;
  }
}

s3::Status S3Client::send(std::string_view method, const std::string& target, client::Headers& h, uint64_t size,
                          PayloadKind kind) {
  const int64_t now = now_ms();
  const std::string date = amz_date(now);
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

  if (chunked) {
    h.emplace_back("content-encoding", "aws-chunked");
    h.emplace_back("x-amz-decoded-content-length", std::to_string(size));
  }
  std::string signature =
      client::sign_headers(h, method, target, ep_.host_header(), ep_.creds, ep_.region, now, payload_hash);
  uint64_t wire = chunked ? chunked_length(size, payload_.chunk_size()) : size;
  std::optional<uint64_t> content_length;
  if (body) content_length = wire;
  if (auto st = conn_.write_head(method, target, h, content_length); !st) return st;

  if (!chunked) {
    for (uint64_t off = 0; off < size;) {
      size_t n = payload_.piece(off, size - off);
      if (auto st = conn_.write(payload_.slice(off, n)); !st) return st;
      off += n;
    }
    return {};
  }

  // aws-chunked: every chunk signature chains from the previous one, starting at the request's.
  std::string scope = date.substr(0, 8) + "/" + ep_.region + "/s3/aws4_request";
  std::string key = auth::derive_signing_key(ep_.creds.secret_key, date.substr(0, 8), ep_.region, "s3");
  std::string prev = std::move(signature);
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
    if (auto st = conn_.write(bufs); !st) return st;
  }
  std::string last = "0;chunk-signature=" + sign_chunk(std::string(kEmptySha256)) + "\r\n\r\n";
  return conn_.write(last);
}

}  // namespace silt::bench
