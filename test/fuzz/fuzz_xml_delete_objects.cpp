// The DeleteObjects request body.
#include <cstdlib>

#include "fuzz_input.h"
#include "server/s3/handlers/request_xml.h"
#include "util/utf8.h"

using namespace silt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMax = 1000;
  auto req = server::parse_delete_objects(fuzz::as_view(data, size), kMax);
  if (!req) {
    if (req.error().code != s3::Code::MalformedXML) std::abort();
    return 0;
  }
  if (req->targets.empty() || req->targets.size() > kMax) std::abort();
  for (const auto& t : req->targets)
    if (!valid_utf8(t.key)) std::abort();
  return 0;
}
