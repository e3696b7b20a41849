// The data of one new data id in a data pool, written as every writer of new data writes
// it (design memo §4.2): stripe_bytes at a time, each its own immutable RADOS object
// <data id>.<n> sent with aio write_full, several in flight. Before its first data object
// it records a write intent (I<data id>, docs/cluster.md) in the shard that holds
// bucket/key, and renews it at half the intent timeout, so the sweeper (rados/gc.h)
// reclaims the data of a writer that died and leaves a live one alone. The commit that
// names the data (a PUT's, an UploadPart's, an import's) drops the intent in the same op,
// asserting it is still as written (intent_raw()); then committed() keeps the data.
// Otherwise the destructor removes the data objects, then the intent.
//
// Used by the gateway's PUT and UploadPart (rados/writer.cpp), by storage class
// transitions (rados/transition.cpp, one writer per part) and by `silt admin migrate`'s
// import (rados/import.cpp). Not thread-safe: one writer, one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "common/error.h"
#include "rados/backend.h"

namespace silt::rados {

class StripeWriter {
 public:
  StripeWriter(Backend& b, DataPool& pool, std::string bucket, std::string key);
  ~StripeWriter();
  StripeWriter(const StripeWriter&) = delete;
  StripeWriter& operator=(const StripeWriter&) = delete;

  // Buffers n bytes, sending every stripe that fills. An error sticks: every later call
  // returns it.
  s3::Status append(const char* data, size_t n);
  // Sends what is buffered (a last, short stripe) and waits for every write.
  s3::Status finish();
  // Waits for the writes in flight; what is buffered stays (a caller inlining the data).
  s3::Status drain();

  // The data sent as a whole stripe is never in buffered(): only the tail not sent yet.
  const bufferlist& buffered() const { return buf_; }
  const std::string& data_id() const { return data_id_; }
  uint64_t objects() const { return objects_; }  // data objects sent
  // What the pool holds of the data sent: the bytes written (after zstd), times (k+m)/k.
  uint64_t stored_bytes() const;

  // The intent as last written, for the commit's assertion; empty when none was written
  // (no data object sent: nothing to assert or drop).
  const std::string& intent_raw() const { return intent_raw_; }
  // Renews the intent once half the timeout has passed since it was written, as sending a
  // stripe does: for a writer idle between its last stripe and its commit (an import
  // copying a key's other versions first). Nothing to do before the first stripe.
  s3::Status keep_intent();
  // Whether the intent is still as written (not swept), for a commit that lost a race:
  // intent_lost() when swept; ok when it is there, or when the map was stale (forgotten,
  // so the next attempt reads a fresh one).
  s3::Status intent_intact();
  // The commit named the data and dropped the intent: the destructor leaves both alone.
  void committed() { committed_ = true; }

 private:
  s3::Status flush();
  s3::Status write_intent();
  s3::Status wait_oldest();
  s3::Status fail(s3::Error e);

  struct Pending {
    Completion c;
    bufferlist bl;  // kept until the write completes
  };

  Backend& b_;
  DataPool& pool_;
  std::string bucket_, key_;
  std::string data_id_;
  bufferlist buf_;  // the stripe being filled
  std::deque<Pending> inflight_;
  uint64_t objects_ = 0;      // data objects sent
  uint64_t written_ = 0;      // their bytes as stored (zstd frames or raw)
  std::string intent_shard_;  // where the intent went; empty: none yet
  std::string intent_raw_;    // its value as last written: commits assert it
  int64_t intent_ms_ = 0;     // when it was last written
  s3::Status error_;
  bool committed_ = false;
  bool timed_out_ = false;  // a data write got no answer within the op timeout
};

}  // namespace silt::rados
