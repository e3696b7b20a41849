// TLS records made many at a time, for one socket write. Asio's ssl::stream encrypts one record
// (at most 16 KiB of data) per write_some and writes it to the socket on its own, so a 1 GiB
// body over https was 65536 socket writes and as many trips through Beast's write operation
// (docs/performance.md, "TLS"). Kernel TLS would let the kernel do both, but OpenSSL can hand a
// connection to the kernel only when it writes to the socket itself, and Asio's stream makes it
// write into a BIO pair, so this batches in user space instead.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <span>

namespace silt::server {

class TlsRecordBatch {
 public:
  // Plaintext per batch: 16 records of 16 KiB, so about 256 KiB of memory per connection while
  // it writes a body (1 MiB batches measured no faster: docs/performance.md, "TLS").
  static constexpr size_t kMaxBatch = 256 << 10;

  TlsRecordBatch();
  ~TlsRecordBatch();
  TlsRecordBatch(const TlsRecordBatch&) = delete;
  TlsRecordBatch& operator=(const TlsRecordBatch&) = delete;

  // Encrypts the first bytes of data, up to kMaxBatch, with SSL_write on ssl into this batch
  // instead of ssl's own write BIO (restored before returning). Returns how many plaintext
  // bytes records() now carries. 0 (nothing encrypted, the batch empty) when the batch is not
  // empty, ssl has not finished its handshake or has sent close_notify, its own BIO still
  // holds output not yet on the socket, or SSL_write fails at once: the caller then writes
  // through Asio's stream, which sends that output or reports that failure.
  size_t encrypt(SSL* ssl, std::span<const boost::asio::const_buffer> data);

  // The records of the last encrypt, in order: to go on the socket whole, before anything else
  // this SSL writes. Valid until clear().
  boost::asio::const_buffer records() const;
  // Empties the batch once records() are written; its memory is kept for the next batch.
  void clear();
  // Empties the batch and frees its memory: for a connection that goes back to reading, so
  // idle keep-alive connections do not each hold a batch's worth. Nothing while records() are
  // not yet cleared.
  void release();

 private:
  BIO* mem_;
};

}  // namespace silt::server
