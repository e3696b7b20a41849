// One keep-alive HTTP/1.1 connection to an S3 endpoint that signs every request with SigV4
// (header auth, path-style), streams generated PUT bodies and counts GET bodies without keeping
// them. The connection, TLS and signing are client/'s; this file knows silt-bench's payloads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bench/payload.h"
#include "client/connection.h"

namespace silt::bench {

struct Endpoint {
  client::Endpoint address;  // --endpoint; http://127.0.0.1:9000 unless given
  client::TlsOptions tls;    // https: --ca-bundle, --insecure
  client::Credentials creds;
  std::string region = "us-east-1";
  std::string host_header() const { return address.host_header; }
};

// How a PUT body is protected (x-amz-content-sha256).
enum class PayloadKind { Unsigned, Signed, Chunked };

struct Response {
  unsigned status = 0;
  uint64_t body_bytes = 0;
  std::string body;   // kept when asked, and for every error status (first 4 KiB)
  std::string error;  // transport failure; status is 0 then
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  std::string describe() const;
};

class S3Client {
 public:
  // ep and payload outlive the client.
  S3Client(const Endpoint& ep, Payload& payload);

  // target: raw request-target, already percent-encoded ("/b/k?x=1").
  Response put_object(const std::string& target, uint64_t size, PayloadKind kind);
  Response get(const std::string& target, std::string_view range = {}, bool keep_body = false);
  Response put_empty(const std::string& target);  // CreateBucket

 private:
  // One request and its answer; a kept-alive connection the server closed while idle is
  // retried once on a new one.
  Response exchange(std::string_view method, const std::string& target, const client::Headers& headers, uint64_t size,
                    PayloadKind kind, bool keep_body);
  // Signs and writes the request, body included.
  s3::Status send(std::string_view method, const std::string& target, client::Headers& headers, uint64_t size,
                  PayloadKind kind);

  const Endpoint& ep_;
  Payload& payload_;
  client::Connection conn_;
};

}  // namespace silt::bench
