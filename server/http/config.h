// What `silt server` was started with, as the front end needs it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace silt::server {

struct Config {
  std::string host = "127.0.0.1";
  uint16_t port = 9000;
  std::string region = "us-east-1";  // reported region; clients may sign with any
  std::string domain;                // base domain for virtual-host addressing; empty: path style only
  int io_threads = 0;                // 0: one per core
  int blocking_threads = 8;          // disk work (erasure coding, fsync, LevelDB)
  // PUT commits, each of which waits for its group commit (syncfs, LevelDB's sync):
  // a pool of their own, so waiting commits neither cap a batch nor queue other work.
  int commit_threads = 64;
  uint64_t max_object_size = 5ULL << 30;
  std::string admin_user;  // the only user the admin API (/_silt/admin/) admits
  // A connection may wait this long for its next request, and a request head must arrive
  // whole within it (a slowloris head is cut off).
  int idle_timeout_s = 75;
  // Any one read or write of a body may stall this long before the request fails.
  int io_timeout_s = 120;
  // TLS: DIR/public.crt and DIR/private.key, reloaded on SIGHUP; the port then speaks only TLS.
  // Empty: plain HTTP.
  std::string certs_dir;
  // /_silt/metrics needs "Authorization: Bearer <token>"; empty: open (docs/operations.md).
  std::string metrics_token;
  // silt_storage_* come from a walk over the index, repeated at most this often.
  double metrics_usage_ttl_s = 300;
  std::string access_log;  // JSON lines; "-": stdout; empty: none
  // Connections held open at once, in all and per client address (IPv6: per /64); past
  // either, a new connection gets 503 SlowDown and is closed. 0: no limit.
  size_t max_connections = 4096;
  size_t max_connections_per_ip = 1024;
};

}  // namespace silt::server
