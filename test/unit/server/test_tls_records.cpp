// TlsRecordBatch against a real OpenSSL client: what it encrypts in one batch decrypts in order,
// interleaves with records written the ordinary way, and leaves the SSL's own BIO in place.
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "server/http/tls_records.h"

namespace {

using silt::server::TlsRecordBatch;

// A server context with a throwaway self-signed P-256 certificate.
SSL_CTX* server_context() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(ctx, cert);
  SSL_CTX_use_PrivateKey(ctx, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

// Moves what one side's BIO pair holds to the other's, as a socket would.
void pump(BIO* from, BIO* to) {
  char buf[16384];
  for (int n; (n = BIO_read(from, buf, sizeof buf)) > 0;) REQUIRE(BIO_write(to, buf, n) == n);
}

// A server and a client SSL, each over a BIO pair as Asio's stream has it, handshaken.
struct Connection {
  SSL_CTX* sctx = server_context();
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  SSL* server = SSL_new(sctx);
  SSL* client = SSL_new(cctx);
  BIO* server_net = nullptr;  // the far ends: what would be on the socket
  BIO* client_net = nullptr;

  explicit Connection(int version) {
    SSL_set_max_proto_version(client, version);
    SSL_set_min_proto_version(client, version);
    BIO *s = nullptr, *c = nullptr;
    BIO_new_bio_pair(&s, 0, &server_net, 0);
    BIO_new_bio_pair(&c, 0, &client_net, 0);
    SSL_set_bio(server, s, s);
    SSL_set_bio(client, c, c);
    // Asio's engine sets this; encrypt relies on SSL_write returning after each record.
    SSL_set_mode(server, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_accept_state(server);
    SSL_set_connect_state(client);
    for (int i = 0; i < 10 && !(SSL_is_init_finished(server) && SSL_is_init_finished(client)); ++i) {
      SSL_do_handshake(client);
      pump(client_net, server_net);
      SSL_do_handshake(server);
      pump(server_net, client_net);
    }
    REQUIRE(SSL_is_init_finished(server));
    REQUIRE(SSL_is_init_finished(client));
  }
  ~Connection() {
    SSL_free(server);
    SSL_free(client);
    BIO_free(server_net);
    BIO_free(client_net);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
  }

  // Delivers wire bytes to the client and returns all the plaintext it can read.
  std::string client_reads(const void* wire, size_t n) {
    const auto* p = static_cast<const char*>(wire);
    std::string out;
    char buf[65536];
    while (n > 0) {
      int w = BIO_write(client_net, p, static_cast<int>(std::min<size_t>(n, 16384)));
      REQUIRE(w > 0);
      p += w;
      n -= static_cast<size_t>(w);
      for (int r; (r = SSL_read(client, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(r));
    }
    return out;
  }
  std::string client_reads_server_bio() {
    std::vector<char> wire(static_cast<size_t>(BIO_pending(server_net)));
    if (!wire.empty()) REQUIRE(BIO_read(server_net, wire.data(), static_cast<int>(wire.size())) > 0);
    return client_reads(wire.data(), wire.size());
  }
};

std::string pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7 % 251);
  return s;
}

}  // namespace

TEST_CASE("a batch carries many records that decrypt in order, between ordinary writes") {
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    Connection conn(version);
    BIO* own = SSL_get_wbio(conn.server);
    std::string before = pattern(1000, 'a'), body = pattern(600 << 10, 'b'), after = pattern(3000, 'c');

    REQUIRE(SSL_write(conn.server, before.data(), static_cast<int>(before.size())) == 1000);
    // The stream's BIO still holds those records: a batch must not overtake them.
    TlsRecordBatch batch;
    const boost::asio::const_buffer first[] = {boost::asio::buffer(body)};
    CHECK(batch.encrypt(conn.server, first) == 0);
    CHECK(batch.records().size() == 0);
    REQUIRE(conn.client_reads_server_bio() == before);

    // Two buffers: the batch takes kMaxBatch bytes across them and stops there.
    std::string head = body.substr(0, 100 << 10), rest = body.substr(100 << 10);
    const boost::asio::const_buffer two[] = {boost::asio::buffer(head), boost::asio::buffer(rest)};
    size_t n = batch.encrypt(conn.server, two);
    CHECK(n == TlsRecordBatch::kMaxBatch);
    CHECK(SSL_get_wbio(conn.server) == own);
    CHECK(BIO_wpending(own) == 0);  // nothing went to the stream's BIO
    auto wire = batch.records();
    // 16 records of 16 KiB: more than the plaintext, less than a record's overhead of 64 bytes each.
    CHECK(wire.size() > n);
    CHECK(wire.size() < n + 16 * 64);
    CHECK(batch.encrypt(conn.server, two) == 0);  // not cleared yet: the records are not on the socket
    CHECK(conn.client_reads(wire.data(), wire.size()) == body.substr(0, n));
    batch.clear();
    CHECK(batch.records().size() == 0);

    // The remainder through a second batch after the memory was given back, then an ordinary
    // write: sequence numbers line up. release() keeps records not yet written.
    batch.release();
    const boost::asio::const_buffer remainder[] = {boost::asio::buffer(body.data() + n, body.size() - n)};
    size_t m = batch.encrypt(conn.server, remainder);
    CHECK(m == TlsRecordBatch::kMaxBatch);
    batch.release();
    CHECK(conn.client_reads(batch.records().data(), batch.records().size()) == body.substr(n, m));
    batch.clear();
    batch.release();
    REQUIRE(SSL_write(conn.server, after.data(), static_cast<int>(after.size())) == 3000);
    CHECK(conn.client_reads_server_bio() == after);
  }
}

TEST_CASE("no batch after close_notify") {
  Connection conn(TLS1_3_VERSION);
  SSL_shutdown(conn.server);
  TlsRecordBatch batch;
  std::string body = pattern(1000, 'x');
  const boost::asio::const_buffer one[] = {boost::asio::buffer(body)};
  CHECK(batch.encrypt(conn.server, one) == 0);
}
