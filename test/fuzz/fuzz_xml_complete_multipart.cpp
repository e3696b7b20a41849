// The CompleteMultipartUpload request body.
#include <cstdlib>

#include "fuzz_input.h"
#include "server/s3/handlers/request_xml.h"

using namespace silt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = server::parse_complete_multipart(fuzz::as_view(data, size));
  if (!parts) {
    if (parts.error().code != s3::Code::MalformedXML) std::abort();
    return 0;
  }
  if (parts->empty()) std::abort();
  return 0;
}
