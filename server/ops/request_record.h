// What the session learns about one request while serving it, for the metrics,
// the access log and the debug log line: filled in as dispatch goes along and
// handed to record_request() once the response is written.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace silt::server {

struct Services;

struct RequestRecord {
  // The label of a request that reached no row of the endpoint table (server/s3/router.h):
  // its head or path could not be parsed, or no row serves what it asks for.
  static constexpr std::string_view kUnrouted = "Unrouted";

  std::chrono::steady_clock::time_point started;
  std::chrono::system_clock::time_point received;  // wall clock, for the access log
  boost::asio::ip::tcp::endpoint remote;           // kept across the requests of a connection
  std::string request_id;
  // Point into the request head, which outlives the record's use in serve_one.
  std::string_view method, target, user_agent;
  std::string_view operation = kUnrouted;  // the endpoint's label (server/s3/router.h)
  std::string user;                        // access key; empty: anonymous
  std::string bucket, key;
  std::string error;  // S3 error code of an error response
  int status = 0;
  uint64_t bytes_in = 0;   // request body bytes read from the connection
  uint64_t bytes_out = 0;  // response body bytes written

  // A new request on the same connection: everything but `remote` starts over.
  void begin(std::string id, std::string_view method, std::string_view target, std::string_view user_agent);
  double seconds() const;  // since begin()
};

// Counts the request in the metrics, writes its access log line and the debug line.
void record_request(Services& svc, const RequestRecord& rec);

}  // namespace silt::server
