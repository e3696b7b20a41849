// Beast's request parser with silt's limits on a request head: its size, and the number
// of header fields and of chunked-body trailer fields. 64 KiB of head holds 16,000 fields
// of "a:\r\n", each a separate allocation that every later pass over the headers
// (signature, routing, checksums) walks again; the field cap stops the parse early.
#pragma once

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/none.hpp>
#include <cstddef>

namespace silt::server {

class RequestParser : public boost::beast::http::request_parser<boost::beast::http::buffer_body> {
 public:
  // A longer request head (request line and fields): http::error::header_limit, answered
  // 400 RequestHeaderSectionTooLarge. SigV4 headers, metadata and long keys add up.
  static constexpr size_t kHeaderLimit = 64 * 1024;
  // More header fields than this: 400 RequestHeaderSectionTooLarge. Twice Apache's default
  // (LimitRequestFields 100); an SDK request carries 10 to 30.
  static constexpr size_t kMaxHeaderFields = 200;
  // More trailer fields than this after a Transfer-Encoding: chunked body: 400 InvalidRequest.
  // S3 clients send none there (aws-chunked trailers travel inside the body).
  static constexpr size_t kMaxTrailerFields = 8;

  // A chunked body is handed to the parser only once this much of it is buffered, and
  // every valid one is at least this long ("0\r\n\r\n"). Beast 1.81 asserts (aborting the
  // process) when the final chunk of an empty body ("0\r\n") arrived alone and the next
  // parse sees fewer than 5 bytes; with 5 in hand from the start it never does.
  static constexpr size_t kChunkedBodyFirstBytes = 5;

  RequestParser() {
    header_limit(kHeaderLimit);
    // S3 bounds bodies itself (5 GiB, EntityTooLarge); Beast's 1 MiB default must go.
    body_limit(boost::none);
  }

  // The parse stopped at a field past kMaxHeaderFields (in the head) or kMaxTrailerFields
  // (after the body); the read then failed with http::error::header_limit.
  bool too_many_fields() const { return too_many_fields_; }

 private:
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override {
    size_t limit = is_header_done() ? kMaxTrailerFields : kMaxHeaderFields;
    size_t& count = is_header_done() ? trailer_fields_ : header_fields_;
    if (++count > limit) {
      too_many_fields_ = true;
      ec = boost::beast::http::error::header_limit;
      return;
    }
    get().insert(name, name_string, value);
  }

  size_t header_fields_ = 0;
  size_t trailer_fields_ = 0;
  bool too_many_fields_ = false;
};

}  // namespace silt::server
