// multipart/form-data (browser POST uploads). Input: the Content-Type value on the
// first line, then one control byte (feed() piece size and limits), then the body.
// The parser must finish every body with an event or an error, never loop.
#include <cstdlib>

#include "fuzz_input.h"
#include "server/s3/form_data.h"

using namespace silt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto boundary = server::form_boundary(in.substr(0, nl));
  in.remove_prefix(nl + 1);
  if (!boundary) return 0;
  uint8_t control = fuzz::take<uint8_t>(in);
  size_t piece = 1 + (control & 0x3f);
  server::FormLimits limits;
  if (control & 0x40) limits = {64, 256, 32};  // small limits reach the too-large paths

  server::FormDataParser parser(*boundary, limits);
  size_t off = 0;
  // Every event consumes input or changes state, so a generous step bound catches a loop.
  for (size_t steps = 0; steps < 4 * size + 64; steps++) {
    auto ev = parser.next();
    if (!ev) return 0;
    if (ev->kind == server::FormEvent::Kind::End) return 0;
    if (ev->kind == server::FormEvent::Kind::FileData && ev->data.size() > limits.max_file_chunk) std::abort();
    if (ev->kind == server::FormEvent::Kind::Field && ev->value.size() > limits.max_field) std::abort();
    if (ev->kind != server::FormEvent::Kind::NeedMore) continue;
    if (off >= in.size()) {
      parser.finish();
      continue;
    }
    parser.feed(in.substr(off, piece));
    off += piece;
  }
  std::abort();  // no progress: the parser is stuck
}
