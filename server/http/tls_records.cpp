#include "server/http/tls_records.h"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>

#include <algorithm>
#include <climits>
#include <new>

namespace silt::server {

TlsRecordBatch::TlsRecordBatch() : mem_(BIO_new(BIO_s_mem())) {
  if (!mem_) throw std::bad_alloc();
}

TlsRecordBatch::~TlsRecordBatch() {
  BIO_free(mem_);
}

size_t TlsRecordBatch::encrypt(SSL* ssl, std::span<const boost::asio::const_buffer> data) {
  if (BIO_pending(mem_) > 0 || !SSL_is_init_finished(ssl) || (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN)) return 0;
  BIO* own = SSL_get_wbio(ssl);
  // Records already in the stream's BIO must reach the socket before ours (sequence numbers).
  if (!own || BIO_wpending(own) > 0) return 0;

  // SSL_set0_wbio releases one reference to the BIO it replaces: hold one to each so that
  // neither is freed by the swap and back.
  BIO_up_ref(own);
  BIO_up_ref(mem_);
  SSL_set0_wbio(ssl, mem_);
  size_t done = 0;
  bool failed = false;
  for (const auto& b : data) {
    const auto* p = static_cast<const unsigned char*>(b.data());
    size_t off = 0;
    // Asio sets SSL_MODE_ENABLE_PARTIAL_WRITE: each SSL_write returns after one record.
    while (off < b.size() && done < kMaxBatch) {
      int n = SSL_write(ssl, p + off, static_cast<int>(std::min({b.size() - off, kMaxBatch - done, size_t{INT_MAX}})));
      if (n <= 0) {
        failed = true;
        break;
      }
      off += static_cast<size_t>(n);
      done += static_cast<size_t>(n);
    }
    if (failed || off < b.size()) break;
  }
  SSL_set0_wbio(ssl, own);
  // A failure after some records leaves the SSL in its error state for Asio's next write to
  // report; its queued reason would otherwise be read by an unrelated call on this thread.
  if (failed) ERR_clear_error();
  if (done == 0) clear();  // an alert SSL_write may have made: Asio's stream makes it again
  return done;
}

boost::asio::const_buffer TlsRecordBatch::records() const {
  char* p = nullptr;
  long n = BIO_get_mem_data(mem_, &p);
  return {p, n > 0 ? static_cast<size_t>(n) : 0};
}

void TlsRecordBatch::clear() {
  (void)BIO_reset(mem_);
}

void TlsRecordBatch::release() {
  BUF_MEM* held = nullptr;
  BIO_get_mem_ptr(mem_, &held);
  // Nothing grown since the last release (the common case), or records still to be written.
  if (!held || held->max == 0 || BIO_pending(mem_) > 0) return;
  BIO* fresh = BIO_new(BIO_s_mem());
  if (!fresh) return;  // keeping the old memory is correct, only larger
  BIO_free(mem_);
  mem_ = fresh;
}

}  // namespace silt::server
