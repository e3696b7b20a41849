// Small LevelDB helpers shared by the index's source files.
#pragma once

#include <leveldb/db.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace silt::dbu {

inline s3::Error db_error(std::string_view what, const leveldb::Status& st) {
  return s3::Error(s3::Code::InternalError, "index " + std::string(what) + ": " + st.ToString());
}

inline bool starts_with(const leveldb::Slice& s, std::string_view p) {
  return s.size() >= p.size() && std::string_view(s.data(), p.size()) == p;
}

inline std::string_view view(const leveldb::Slice& s) {
  return {s.data(), s.size()};
}

// Releases a snapshot at scope exit.
struct Snapshot {
  explicit Snapshot(leveldb::DB* d) : db(d), snap(d->GetSnapshot()) { ro.snapshot = snap; }
  ~Snapshot() { db->ReleaseSnapshot(snap); }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  leveldb::DB* db;
  const leveldb::Snapshot* snap;
  leveldb::ReadOptions ro;
};

inline uint64_t now_us() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

inline s3::Error no_such_bucket() {
  return s3::Error(s3::Code::NoSuchBucket, "The specified bucket does not exist");
}

}  // namespace silt::dbu
