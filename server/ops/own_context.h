// What a handler of silt's own endpoints (health, metrics, the console) receives: the
// request head and its unread body, since none of them is an S3 request.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "common/error.h"
#include "server/s3/body_reader.h"
#include "server/s3/handler.h"

namespace silt::server {

class Console;

struct OwnContext {
  const RequestHeader& head;
  RawBodySource& body;  // unread; only the console's sign-in reads it
  Services& svc;
  Console* console;         // null: no console
  bool stopping;            // the server is shutting down (health answers 503)
  bool tls;                 // the connection is HTTPS
  std::string_view source;  // the client's address
};

using OwnHandler = boost::asio::awaitable<s3::Result<Response>> (*)(OwnContext&);

}  // namespace silt::server
