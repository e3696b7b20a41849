// Request heads and Transfer-Encoding: chunked bodies (chunk-size lines, chunk extensions,
// trailer sections) through Beast's parser with silt's limits (server/http/request_parser.h),
// fed the way Session feeds it: reads land in a flat_buffer that never exceeds 64 KiB and
// the parser consumes it as it goes. The first input byte sets how much each read brings.
// Whatever the bytes, the buffer stays within its maximum (a line that does not fit is the
// read error the session answers with 400), and the message keeps at most kMaxHeaderFields
// header fields plus kMaxTrailerFields trailer fields.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <cstdlib>
#include <cstring>

#include "fuzz_input.h"
#include "server/http/request_parser.h"

using namespace silt;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {
constexpr size_t kMaxBuffer = server::RequestParser::kHeaderLimit;  // the session's kMaxReadBuffer

size_t field_count(const server::RequestParser& p) {
  size_t n = 0;
  for (auto it = p.get().begin(); it != p.get().end(); ++it) ++n;
  return n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  uint8_t control = fuzz::take<uint8_t>(in);
  const size_t piece = 1 + static_cast<size_t>(control) * 257;  // 1 byte up to 64 KiB per read

  server::RequestParser parser;
  beast::flat_buffer buffer(kMaxBuffer);
  char body[4096];
  bool body_started = false;
  parser.eager(false);  // the head first, as async_read_header parses it
  for (;;) {
    // Parse what the buffer holds, handing the parser a fresh body buffer when it fills one;
    // a chunked body only once it has kChunkedBodyFirstBytes buffered, as the session does.
    bool wait = parser.is_header_done() && parser.chunked() && !body_started &&
                buffer.size() < server::RequestParser::kChunkedBodyFirstBytes;
    if (parser.is_header_done() && !wait) body_started = true;
    for (; !wait;) {
      parser.get().body().data = body;
      parser.get().body().size = sizeof body;
      beast::error_code ec;
      size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_buffer) continue;
      if (ec == http::error::need_more) break;
      if (ec) {
        if (parser.too_many_fields() && ec != http::error::header_limit) std::abort();
        return 0;
      }
      if (parser.is_done()) {
        if (field_count(parser) > server::RequestParser::kMaxHeaderFields + server::RequestParser::kMaxTrailerFields)
          std::abort();
        return 0;
      }
      if (used == 0) break;
    }
    if (parser.is_header_done() && field_count(parser) > server::RequestParser::kMaxHeaderFields) std::abort();
    if (in.empty()) return 0;  // the client stopped sending
    // One read: as Beast's read_some sizes it. Nothing fits: the session's 400.
    size_t room = beast::read_size(buffer, 65536);
    if (room == 0) return 0;
    size_t n = std::min({piece, room, in.size()});
    auto space = buffer.prepare(n);
    std::memcpy(space.data(), in.data(), n);
    buffer.commit(n);
    in.remove_prefix(n);
    if (buffer.size() > kMaxBuffer) std::abort();
  }
}
